"""The outbox: events are sent after commit, completed by their job, sent again when their job was lost."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import outbox_work
from core.db import reading, session_scope
from core.models import OutboxEvent
from core.outbox import (
    BATCH,
    MAX_ATTEMPTS,
    add_event,
    drained_topic,
    pending_count,
    relay,
    stuck_count,
)
from core.outbox_work import work_through, work_waiting
from tests.conftest import reload_settings
from tests.jobs import queued_messages


@pytest.fixture
def lease(db: str) -> Iterator[None]:
    """A zero lease: an event sent and not completed is due again at once."""
    os.environ["MUQING_OUTBOX_LEASE_SECONDS"] = "0"
    reload_settings()
    yield
    os.environ.pop("MUQING_OUTBOX_LEASE_SECONDS")
    reload_settings()


def event_row(event_id: int) -> OutboxEvent:
    with session_scope() as session:
        row = session.get(OutboxEvent, event_id)
        assert row is not None
        return row


def add(topic: str = "core.sync_search") -> int:
    with session_scope() as session:
        event = add_event(session, topic=topic, payload={})
        session.flush()
        return event.id


def test_an_event_is_completed_when_its_job_succeeds(db: str) -> None:
    event_id = add()
    row = event_row(event_id)
    assert row.dispatched_at is not None and row.completed_at is not None
    with session_scope() as session:
        assert pending_count(session) == 0


def test_a_sent_event_waits_for_its_job_and_is_sent_again_only_after_the_lease(queued_jobs: None) -> None:
    event_id = add()
    first = event_row(event_id)
    assert first.dispatched_at is not None and first.completed_at is None and first.attempts == 1
    assert relay() == 0  # the job may still be queued: not sent twice within the lease
    with session_scope() as session:
        assert pending_count(session) == 1


def test_an_event_whose_job_was_lost_is_sent_again(queued_jobs: None, lease: None) -> None:
    event_id = add()
    assert relay() == 1
    assert event_row(event_id).attempts == 2


def test_an_event_that_never_completes_is_given_up_after_max_attempts(queued_jobs: None, lease: None) -> None:
    event_id = add()
    with session_scope() as session:
        session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(attempts=MAX_ATTEMPTS))
    assert relay() == 0
    with session_scope() as session:
        assert stuck_count(session) == 1
        assert pending_count(session) == 1


def test_a_job_queue_outage_puts_events_back_without_using_their_attempts(queued_jobs: None) -> None:
    os.environ["MUQING_BROKER_URL"] = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    reload_settings()
    try:
        with session_scope() as session:
            events = [add_event(session, topic="core.sync_search", payload={}) for _ in range(3)]
            session.flush()
            ids = [event.id for event in events]
        assert relay(retry=False) == 0
    finally:
        os.environ.pop("MUQING_BROKER_URL")
        reload_settings()
    with session_scope() as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(ids))).all()
    assert {(row.dispatched_at, row.attempts) for row in rows} == {(None, 0)}
    assert all("Redis" in (row.last_error or "") and "127.0.0.1:9" in (row.last_error or "") for row in rows)
    assert relay() == 3  # the queue is back (the file queue of the test session)


def test_a_burst_of_a_drained_topic_is_sent_as_one_job_per_batch(queued_jobs: None) -> None:
    drained_topic("tests.burst")
    before = queued_messages("tests.burst"), queued_messages("core.sync_search")
    with session_scope() as session:
        for n in range(BATCH + 2):
            add_event(session, topic="tests.burst", payload={"n": n})
        for _ in range(3):
            add_event(session, topic="core.sync_search", payload={})
    # Each job takes on BATCH waiting events besides its own, so two jobs cover BATCH + 2 events; a topic
    # whose jobs do not drain gets one job per event.
    assert queued_messages("tests.burst") - before[0] == 2
    assert queued_messages("core.sync_search") - before[1] == 3
    with session_scope() as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "tests.burst")).all()
    assert {(row.attempts, row.dispatched_at is not None) for row in rows} == {(1, True)}


def test_a_failed_burst_job_sends_the_events_it_would_have_taken_in_jobs_of_their_own(queued_jobs: None) -> None:
    drained_topic("tests.burst")
    with session_scope() as session:
        events = [add_event(session, topic="tests.burst", payload={"n": n}) for n in range(4)]
        session.flush()
        first, *rest = [event.id for event in events]
    before = queued_messages("tests.burst")
    done: list[int] = []

    def handle(session: Session, payload: dict[str, Any]) -> None:
        if payload["n"] == 0:
            raise RuntimeError("the first one is broken")
        done.append(payload["n"])

    with pytest.raises(RuntimeError, match="broken"):
        work_through(topic="tests.burst", own={"n": 0}, own_event_id=first, handle=handle)
    assert done == []
    assert queued_messages("tests.burst") - before == 3  # one job each, sent at once: nothing waits for the lease
    for event_id in rest:
        row = event_row(event_id)
        assert row.completed_at is None and row.attempts == 2 and "broken" in (row.last_error or "")

    # Their own jobs: the other events are done, and a waiting event that fails is handed on, not lost.
    for event_id, n in zip(rest, (1, 2, 3), strict=True):
        work_through(topic="tests.burst", own={"n": n}, own_event_id=event_id, handle=handle)
    assert sorted(done) == [1, 2, 3] and all(event_row(event_id).completed_at for event_id in rest)


def test_new_events_wait_for_the_job_already_on_its_way_on_sqlite_and_the_scheduled_relay_sends_the_rest(
    db: str, queued_jobs: None
) -> None:
    drained_topic("tests.burst")
    before = queued_messages("tests.burst")
    first = add("tests.burst")  # sent at once: no job of its topic is on its way
    second = add("tests.burst")
    if not db.startswith("sqlite"):
        # A job on PostgreSQL may already have looked for waiting events: every event is sent.
        assert queued_messages("tests.burst") - before == 2 and event_row(second).dispatched_at is not None
        return
    # Left for the job on its way, which takes on every waiting event when it starts.
    assert queued_messages("tests.burst") - before == 1
    assert event_row(first).dispatched_at is not None and event_row(second).dispatched_at is None
    taken: list[dict[str, Any]] = []
    work_through(topic="tests.burst", own={}, own_event_id=first, handle=lambda _, payload: taken.append(payload))
    assert len(taken) == 2 and event_row(second).completed_at is not None

    third = add("tests.burst")  # nothing on its way any more: sent at once
    fourth = add("tests.burst")
    assert queued_messages("tests.burst") - before == 2 and event_row(fourth).dispatched_at is None
    assert relay() == 1  # should that job be lost, the scheduled relay does not wait for it
    assert event_row(fourth).dispatched_at is not None and event_row(third).completed_at is None


def stage(name: str, handled: list[Any], *, fail_on: int | None = None) -> str:
    """A drained topic whose follower records each payload it works through (and fails on ``n == fail_on``)."""

    def handle(session: Session, payload: dict[str, Any]) -> None:
        if payload["n"] == fail_on:
            raise RuntimeError(f"{name} {fail_on} is broken")
        handled.append(payload["n"])

    return drained_topic(name, follow=lambda: work_waiting(topic=name, handle=handle))


def make_next(count: int, topic: str) -> Any:
    def handle(session: Session, payload: dict[str, Any]) -> None:
        for n in range(count):
            add_event(session, topic=topic, payload={"n": n})

    return handle


def test_a_job_works_through_the_events_its_work_makes_itself_without_the_queue(queued_jobs: None) -> None:
    handled: list[int] = []
    second = stage("tests.second", handled)
    before = queued_messages(second)
    count = 2 * BATCH + 3  # more than one batch: the follower goes on until nothing waits

    work_through(topic="tests.first", own={}, own_event_id=None, handle=make_next(count, second), then=second)

    assert sorted(handled) == list(range(count))
    assert queued_messages(second) == before  # not one job sent for them
    with session_scope() as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == second)).all()
    assert len(rows) == count and all(row.completed_at is not None and row.attempts == 1 for row in rows)


def test_a_failure_while_following_through_goes_to_a_job_of_its_own_and_the_first_job_succeeds(
    queued_jobs: None,
) -> None:
    handled: list[int] = []
    second = stage("tests.second_failing", handled, fail_on=1)
    before = queued_messages(second)

    work_through(topic="tests.first", own={}, own_event_id=None, handle=make_next(3, second), then=second)

    assert sorted(handled) == [0, 2]
    assert queued_messages(second) - before == 1  # the broken one, sent at once to report its error
    with session_scope() as session:
        broken = session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == second, OutboxEvent.completed_at.is_(None))
        ).one()
    assert broken.payload == {"n": 1} and "broken" in (broken.last_error or "")


def test_events_kept_for_a_job_that_was_lost_before_following_through_are_sent_after_the_lease(
    queued_jobs: None, lease: None
) -> None:
    second = drained_topic("tests.second_unfollowed", follow=lambda: None)  # the job died after its commit
    before = queued_messages(second)

    work_through(topic="tests.first", own={}, own_event_id=None, handle=make_next(2, second), then=second)

    assert queued_messages(second) == before
    assert relay() == 2  # the lease is over: sent as any lost job's events are
    assert queued_messages(second) - before == 2


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_long_burst_commits_as_it_goes_so_another_writer_gets_in_before_it_ends(
    queued_jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every event past the first of a transaction is over the budget: a transaction per event.
    monkeypatch.setattr(outbox_work, "HOLD_SECONDS", 0.0)
    drained_topic("tests.long")
    with session_scope() as session:
        events = [add_event(session, topic="tests.long", payload={"n": n}) for n in range(BATCH)]
        session.flush()
        first = events[0].id
    other_saved = threading.Event()

    def other_writer() -> None:
        # Another connection writing, as a reveal's audit row would while the burst is worked through.
        add()
        other_saved.set()

    writer = threading.Thread(target=other_writer)
    seen: list[tuple[int, bool]] = []

    def handle(session: Session, payload: dict[str, Any]) -> None:
        if payload["n"] == 0:
            writer.start()
        if payload["n"] == BATCH - 1:
            with reading(), session_scope() as reader:  # a fresh connection sees what is committed so far
                done = reader.scalar(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.topic == "tests.long", OutboxEvent.completed_at.is_not(None))
                )
            seen.append((done or 0, other_saved.is_set()))

    assert work_through(topic="tests.long", own={"n": 0}, own_event_id=first, handle=handle) == BATCH - 1
    writer.join()

    assert seen == [(BATCH - 1, True)]
    with session_scope() as session:
        assert pending_count(session) == 1  # the other writer's event; the whole burst is done
