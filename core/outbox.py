"""Transactional outbox: work for other systems is recorded with the change, then relayed to the queue.

An event is claimed atomically before it is sent, so two relays never send the same event at once; a send
that fails puts it back. The job records its event as completed when it succeeds. An event sent but not
completed within the lease (``MUQING_OUTBOX_LEASE_SECONDS``) is sent again: the queue may have lost it
(Redis restarted without persistence, the embedded worker killed). Jobs are idempotent, so a job that was
merely slow and runs twice changes nothing. After ``MAX_ATTEMPTS`` sends an event is left for a person
to look at (``last_error`` says why).

Search-index changes have their own outbox (``core.search.changes``), imported here so every process that
writes through the outbox also records them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, event, func, insert, or_, select, update
from sqlalchemy.orm import Session

import core.search.changes  # noqa: F401 - registers the search-outbox change tracking
from core.config import get_settings
from core.db import session_scope
from core.models import OutboxEvent
from core.timeutil import utcnow

log = logging.getLogger(__name__)

PENDING_FLAG = "muqing_outbox_pending"
MAX_ATTEMPTS = 10
KEEP_COMPLETED = timedelta(days=7)
# How many waiting events of its topic one job takes on besides its own: a burst is worked through in a few
# transactions instead of one per event, while one transaction stays short enough not to stall other writers.
BATCH = 50
# A job sent this recently and not finished is counted on to take on new events of its topic.
IN_FLIGHT = timedelta(seconds=30)
_drained: set[str] = set()
# Topic -> what works through its waiting events, for a job that follows through to that topic (``work_through``).
_followers: dict[str, Callable[[], object]] = {}
_reserved = threading.local()


def _reserved_fields(session: Session, topic: str) -> dict[str, Any]:
    if topic in getattr(_reserved, "topics", ()):
        # The running job works this event through itself once the transaction commits (``work_through``'s
        # ``then``): it is counted as sent to that job, and sent again only if the job is lost (the lease).
        return {"dispatched_at": utcnow(), "attempts": 1}
    session.info[PENDING_FLAG] = True
    return {}


def add_event(session: Session, *, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record work for ``topic`` (a task name) in the caller's transaction; relayed after commit."""
    outbox_event = OutboxEvent(topic=topic, payload=payload, **_reserved_fields(session, topic))
    session.add(outbox_event)
    return outbox_event


def add_events(session: Session, *, topic: str, payloads: list[dict[str, Any]]) -> None:
    """``add_event`` for many payloads in one statement (rows written straight, without the unit of work)."""
    if not payloads:
        return
    fields = {"attempts": 0, **_reserved_fields(session, topic), "created_at": utcnow(), "topic": topic}
    session.connection().execute(insert(OutboxEvent), [{**fields, "payload": payload} for payload in payloads])


def _due() -> ColumnElement[bool]:
    cutoff = utcnow() - timedelta(seconds=get_settings().outbox_lease_seconds)
    return and_(
        OutboxEvent.completed_at.is_(None),
        OutboxEvent.attempts < MAX_ATTEMPTS,
        or_(OutboxEvent.dispatched_at.is_(None), OutboxEvent.dispatched_at < cutoff),
    )


def drained_topic(topic: str, *, follow: Callable[[], object] | None = None) -> str:
    """Declare that the jobs of ``topic`` take on its waiting events (see ``work_through``); returns the topic.

    ``follow`` works through every waiting event of the topic: a job of another topic whose work makes events
    of this one runs it right after its own commit instead of sending them through the queue.
    """
    _drained.add(topic)
    if follow is not None:
        _followers[topic] = follow
    return topic


def follower(topic: str | None) -> Callable[[], object] | None:
    """What works through the waiting events of ``topic`` for a job following through to it (``drained_topic``)."""
    return _followers.get(topic) if topic is not None else None


@contextmanager
def reserving(topic: str | None) -> Iterator[None]:
    """Events of ``topic`` recorded inside are kept from the queue: the running job works them through itself."""
    previous: frozenset[str] = getattr(_reserved, "topics", frozenset())
    _reserved.topics = previous | {topic} if topic is not None else previous
    try:
        yield
    finally:
        _reserved.topics = previous


def relay(*, limit: int = 500, retry: bool = True, hold_back: bool = False) -> int:
    """Send due outbox events (never sent, or sent and not completed within the lease); returns how many.

    With ``hold_back`` (the relay right after a commit) on SQLite, new events of a drained topic whose job
    is already on its way are left for that job to take on; the scheduled relay sends whatever it did not
    take (that job may also have been lost). Elsewhere every event is sent: a job on PostgreSQL may already
    have looked for waiting events, and a queue that is down must be named in each waiting event.
    """
    # The job queue is imported by those who send: a crawl process only writes events (and starts faster).
    from kombu.exceptions import OperationalError as BrokerError

    from core.tasks import broker_label, celery_app, enqueue

    # The task modules declare which topics drain; they must be loaded before the events are grouped.
    celery_app.loader.import_default_modules()
    due = _due()
    with session_scope() as session:
        # Checked in the same transaction as the claim, and only on SQLite, where no job's drain can run between
        # the two (``_topics_in_flight``).
        held = _topics_in_flight(session) if hold_back and _dialect(session) == "sqlite" else set()
        if held:
            due = and_(
                due,
                or_(OutboxEvent.topic.not_in(held), OutboxEvent.attempts > 0, OutboxEvent.last_error.is_not(None)),
            )
        oldest_due = select(OutboxEvent.id).where(due).order_by(OutboxEvent.id).limit(limit).scalar_subquery()
        claimed = sorted(
            (row[0], row[1], row[2], row[3] == 1 and row[4] is None)
            for row in session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(oldest_due), due)
                .values(dispatched_at=utcnow(), attempts=OutboxEvent.attempts + 1)
                .returning(
                    OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload, OutboxEvent.attempts, OutboxEvent.last_error
                )
            )
        )
    jobs = _jobs(claimed)
    sent = 0
    for position, (event_id, topic, payload, covered) in enumerate(jobs):
        try:
            enqueue(topic, retry=retry, outbox_event_id=event_id, **payload)
        except BrokerError as exc:
            # The queue is down: put back these events and every one not yet tried; the next relay resends.
            waiting = [covered_id for job in jobs[position:] for covered_id in job[3]]
            log.warning("job queue %s unavailable, %d outbox events wait: %s", broker_label(), len(waiting), exc)
            _unclaim(waiting, error=f"job queue {broker_label()} unavailable: {exc}", refund=True)
            break
        except Exception as exc:
            log.exception("outbox event %s (%s) failed", event_id, topic)
            _unclaim(covered, error=f"{type(exc).__name__}: {exc}", refund=False)
            continue
        sent += len(covered)
    return sent


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _topics_in_flight(session: Session) -> set[str]:
    """Drained topics with a job sent lately and not finished, and room in it for more events.

    That job takes on every event of its topic still waiting when it starts (see ``_drain``): on SQLite its
    drain holds the write lock, so it has either not started yet or already completed its own event.
    """
    if not _drained:
        return set()
    recent = utcnow() - IN_FLIGHT
    pending = and_(
        OutboxEvent.topic.in_(sorted(_drained)),
        OutboxEvent.completed_at.is_(None),
        OutboxEvent.last_error.is_(None),
    )
    rows = session.execute(
        select(
            OutboxEvent.topic,
            func.count().filter(OutboxEvent.dispatched_at >= recent),
            func.count().filter(OutboxEvent.dispatched_at.is_(None)),
        )
        .where(pending)
        .group_by(OutboxEvent.topic)
    )
    return {topic for topic, in_flight, waiting in rows if in_flight and waiting <= BATCH}


def _jobs(claimed: list[tuple[int, str, dict[str, Any], bool]]) -> list[tuple[int, str, dict[str, Any], list[int]]]:
    # One job per event, except first sends of a drained topic: one job per BATCH + 1 of them, since each
    # job drains BATCH waiting events besides its own. A resent event (lost or failed before) gets its own job.
    jobs: list[tuple[int, str, dict[str, Any], list[int]]] = []
    open_chunk: dict[str, list[int]] = {}
    for event_id, topic, payload, first_send in claimed:
        chunk = open_chunk.get(topic)
        if first_send and topic in _drained and chunk is not None and len(chunk) <= BATCH:
            chunk.append(event_id)
            continue
        jobs.append((event_id, topic, payload, [event_id]))
        if first_send and topic in _drained:
            open_chunk[topic] = jobs[-1][3]
    return jobs


def _unclaim(ids: list[int], *, error: str, refund: bool) -> None:
    values: dict[str, Any] = {"dispatched_at": None, "last_error": error[:2000]}
    if refund:
        # An outage of the queue is nobody's fault: it does not use up the event's attempts.
        values["attempts"] = OutboxEvent.attempts - 1
    with session_scope() as session:
        session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(**values))


def mark_completed(event_id: int) -> None:
    """Record that the job sent for ``event_id`` finished (its event is never sent again)."""
    with session_scope() as session:
        complete_events(session, event_ids=[event_id])


def mark_failed(event_id: int, *, error: str) -> None:
    """Record why the job sent for ``event_id`` failed (it is sent again after the lease)."""
    with session_scope() as session:
        session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(last_error=error[:2000]))


def waiting_events(
    session: Session, *, topic: str, exclude: int | None = None, limit: int = BATCH
) -> list[tuple[int, dict[str, Any]]]:
    """Events of ``topic`` not completed yet (sent or not), oldest first, locked for the caller's transaction.

    Events that failed before are left out: they go to jobs of their own, which report their errors.
    """
    query = (
        select(OutboxEvent.id, OutboxEvent.payload)
        .where(
            OutboxEvent.topic == topic,
            OutboxEvent.completed_at.is_(None),
            OutboxEvent.last_error.is_(None),
            OutboxEvent.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if exclude is not None:
        query = query.where(OutboxEvent.id != exclude)
    if _dialect(session) == "postgresql":
        # Another job draining the same topic skips these rather than waiting for them.
        query = query.with_for_update(skip_locked=True)
    return [(row[0], row[1]) for row in session.execute(query)]


def complete_events(session: Session, *, event_ids: list[int]) -> None:
    """Mark events completed in the caller's transaction, together with the work done for them."""
    if not event_ids:
        return
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(event_ids), OutboxEvent.completed_at.is_(None))
        .values(completed_at=utcnow())
    )
    # The running job's own event needs no second transaction when its job succeeds.
    from core.tasks import completed_in_job

    completed_in_job().update(event_ids)


def hand_back(session: Session, *, event_ids: list[int], error: str) -> None:
    """Return events to the relay, to be sent each in a job of its own (which reports what went wrong)."""
    if event_ids:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(event_ids))
            .values(dispatched_at=None, completed_at=None, last_error=error[:2000])
        )
        # Sent again as soon as this transaction commits, not at the next scheduled relay.
        session.info[PENDING_FLAG] = True


def purge_completed(*, older_than: timedelta = KEEP_COMPLETED, limit: int = 5000) -> int:
    """Delete events completed more than ``older_than`` ago; returns how many."""
    cutoff = utcnow() - older_than
    with session_scope() as session:
        ids = list(session.scalars(select(OutboxEvent.id).where(OutboxEvent.completed_at < cutoff).limit(limit)))
        if ids:
            session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
    return len(ids)


def pending_count(session: Session) -> int:
    """How many events wait for their job to complete (including those given up on)."""
    return session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.completed_at.is_(None))) or 0


def stuck_count(session: Session) -> int:
    """Events sent ``MAX_ATTEMPTS`` times without completing: they need a person."""
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.completed_at.is_(None), OutboxEvent.attempts >= MAX_ATTEMPTS)
        )
        or 0
    )


@event.listens_for(Session, "after_commit")
def _relay_after_commit(session: Session) -> None:
    # A released SAVEPOINT also fires after_commit; relay only once the outer transaction has committed,
    # or the relay would wait for the write lock its own session still holds.
    if session.in_nested_transaction() or not session.info.pop(PENDING_FLAG, False):
        return
    # Fail fast here; the scheduled relay retries with the broker's own back-off.
    try:
        relay(retry=False, hold_back=True)
    except Exception:
        # The change itself is committed; the scheduled relay picks the events up again.
        log.exception("outbox relay after commit deferred")
