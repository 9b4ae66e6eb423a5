"""Transactional outbox: work for other systems is recorded with the change, then relayed to the queue.

An event is claimed atomically before it is sent, so two relays never send the same event; a send that
fails puts it back. Tasks are idempotent, so a crash between send and mark is harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import OutboxEvent
from core.tasks import enqueue
from core.timeutil import utcnow

log = logging.getLogger(__name__)

PENDING_FLAG = "muqing_outbox_pending"
MAX_FAILED_SENDS = 5


def add_event(session: Session, *, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record work for ``topic`` (a task name) in the caller's transaction; relayed after commit."""
    outbox_event = OutboxEvent(topic=topic, payload=payload)
    session.add(outbox_event)
    session.info[PENDING_FLAG] = True
    return outbox_event


def relay(*, limit: int = 500, retry: bool = True) -> int:
    """Send pending outbox events to the job queue; returns how many were sent."""
    with session_scope() as session:
        ids = list(
            session.scalars(
                select(OutboxEvent.id)
                .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.attempts < MAX_FAILED_SENDS)
                .order_by(OutboxEvent.id)
                .limit(limit)
            )
        )
    if not ids:
        return 0
    with session_scope() as session:
        claimed = session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids), OutboxEvent.dispatched_at.is_(None))
            .values(dispatched_at=utcnow())
            .returning(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
        ).all()
    sent = 0
    for position, (event_id, topic, payload) in enumerate(sorted(claimed)):
        try:
            enqueue(topic, retry=retry, **payload)
        except BrokerError as exc:
            # The queue is down: put back this event and every one not yet tried; the next relay resends.
            log.warning("job queue unavailable, %d outbox events wait: %s", len(claimed) - position, exc)
            _unclaim([row[0] for row in sorted(claimed)[position:]], error=str(exc), count=False)
            break
        except Exception as exc:
            log.exception("outbox event %s (%s) failed", event_id, topic)
            _unclaim([event_id], error=f"{type(exc).__name__}: {exc}", count=True)
            continue
        sent += 1
    return sent


def _unclaim(ids: list[int], *, error: str, count: bool) -> None:
    values: dict[str, Any] = {"dispatched_at": None, "last_error": error[:2000]}
    if count:
        values["attempts"] = OutboxEvent.attempts + 1
    with session_scope() as session:
        session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(**values))


def pending_count(session: Session) -> int:
    """How many events still wait to be relayed."""
    return session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))) or 0


@event.listens_for(Session, "after_commit")
def _relay_after_commit(session: Session) -> None:
    # A released SAVEPOINT also fires after_commit; relay only once the outer transaction has committed,
    # or the relay would wait for the write lock its own session still holds.
    if session.in_transaction() or not session.info.pop(PENDING_FLAG, False):
        return
    # Fail fast here; the scheduled relay retries with the broker's own back-off.
    try:
        relay(retry=False)
    except Exception:
        # The change itself is committed; the scheduled relay picks the events up again.
        log.exception("outbox relay after commit deferred")
