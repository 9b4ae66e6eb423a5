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
from datetime import timedelta
from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import ColumnElement, and_, delete, event, func, or_, select, update
from sqlalchemy.orm import Session

import core.search.changes  # noqa: F401 - registers the search-outbox change tracking
from core.config import get_settings
from core.db import session_scope
from core.models import OutboxEvent
from core.tasks import broker_label, enqueue
from core.timeutil import utcnow

log = logging.getLogger(__name__)

PENDING_FLAG = "muqing_outbox_pending"
MAX_ATTEMPTS = 10
KEEP_COMPLETED = timedelta(days=7)


def add_event(session: Session, *, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record work for ``topic`` (a task name) in the caller's transaction; relayed after commit."""
    outbox_event = OutboxEvent(topic=topic, payload=payload)
    session.add(outbox_event)
    session.info[PENDING_FLAG] = True
    return outbox_event


def _due() -> ColumnElement[bool]:
    cutoff = utcnow() - timedelta(seconds=get_settings().outbox_lease_seconds)
    return and_(
        OutboxEvent.completed_at.is_(None),
        OutboxEvent.attempts < MAX_ATTEMPTS,
        or_(OutboxEvent.dispatched_at.is_(None), OutboxEvent.dispatched_at < cutoff),
    )


def relay(*, limit: int = 500, retry: bool = True) -> int:
    """Send due outbox events (never sent, or sent and not completed within the lease); returns how many."""
    with session_scope() as session:
        ids = list(session.scalars(select(OutboxEvent.id).where(_due()).order_by(OutboxEvent.id).limit(limit)))
    if not ids:
        return 0
    with session_scope() as session:
        claimed: list[tuple[int, str, dict[str, Any]]] = [
            (row[0], row[1], row[2])
            for row in session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids), _due())
                .values(dispatched_at=utcnow(), attempts=OutboxEvent.attempts + 1)
                .returning(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
            )
        ]
    claimed.sort()
    sent = 0
    for position, (event_id, topic, payload) in enumerate(claimed):
        try:
            enqueue(topic, retry=retry, outbox_event_id=event_id, **payload)
        except BrokerError as exc:
            # The queue is down: put back this event and every one not yet tried; the next relay resends.
            waiting = [row[0] for row in claimed[position:]]
            log.warning("job queue %s unavailable, %d outbox events wait: %s", broker_label(), len(waiting), exc)
            _unclaim(waiting, error=f"job queue {broker_label()} unavailable: {exc}", refund=True)
            break
        except Exception as exc:
            log.exception("outbox event %s (%s) failed", event_id, topic)
            _unclaim([event_id], error=f"{type(exc).__name__}: {exc}", refund=False)
            continue
        sent += 1
    return sent


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
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.completed_at.is_(None))
            .values(completed_at=utcnow())
        )


def mark_failed(event_id: int, *, error: str) -> None:
    """Record why the job sent for ``event_id`` failed (it is sent again after the lease)."""
    with session_scope() as session:
        session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(last_error=error[:2000]))


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
    if not session.info.pop(PENDING_FLAG, False):
        return
    # Fail fast here; the scheduled relay retries with the broker's own back-off.
    try:
        relay(retry=False)
    except Exception:
        # The change itself is committed; the scheduled relay picks the events up again.
        log.exception("outbox relay after commit deferred")
