"""The outbox: events are sent after commit, completed by their job, sent again when their job was lost."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from core.db import session_scope
from core.models import OutboxEvent
from core.outbox import MAX_ATTEMPTS, add_event, pending_count, relay, stuck_count
from tests.conftest import reload_settings


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
