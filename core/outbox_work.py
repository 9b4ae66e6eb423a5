"""A job working through its topic's waiting outbox events: its own work, then up to ``BATCH`` others, each
transaction kept short (``HOLD_SECONDS``) so other writers get SQLite's write lock in between."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.errors import MuqingError
from core.models import OutboxEvent
from core.outbox import BATCH, complete_events, follower, hand_back, reserving, waiting_events
from core.tasks import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

# A job's transaction takes on no further waiting event once it has been open this long: it commits and goes on in
# a new one, so other writers (on SQLite: anyone, the API's reveals and responses too) get the lock in between.
HOLD_SECONDS = 1.0
# The pause between two such transactions: longer than a waiting writer's poll (``core.db.BEGIN_POLL_SECONDS``).
YIELD_SECONDS = 0.012


def _drain(
    session: Session,
    *,
    topic: str,
    own: dict[str, Any] | None,
    own_event_id: int | None,
    handle: Callable[[Session, dict[str, Any]], object],
    limit: int = BATCH,
) -> tuple[int, bool]:
    """Do a job's own work and that of up to ``limit`` other events of ``topic`` still waiting, in the caller's
    transaction; returns how many waiting events it took on and whether it stopped early (``HOLD_SECONDS``).

    Each waiting event taken on is marked completed in the same transaction as its work, so its own job,
    arriving later, finds nothing to do. The job's own work runs first and its errors propagate; a waiting
    event that fails is rolled back to its savepoint and handed back to the relay, which sends it in a job
    of its own that reports the error.
    """
    started = time.monotonic()
    if own_event_id is not None:
        mine = select(OutboxEvent.completed_at).where(OutboxEvent.id == own_event_id)
        if session.get_bind().dialect.name == "postgresql":
            # Waits for a batch that took this event to commit, so the work is never done twice at once.
            mine = mine.with_for_update()
        if session.execute(mine).scalar_one_or_none() is not None:
            own = None
    if own is not None:
        handle(session, own)
    done = [own_event_id] if own_event_id is not None and own is not None else []
    waiting = waiting_events(session, topic=topic, exclude=own_event_id, limit=limit) if limit > 0 else []
    taken, cut = 0, False
    for event_id, payload in waiting:
        # Past the budget the rest stay waiting, untouched, for the caller's next transaction (which always
        # takes on at least one, so a slow event still moves the burst on).
        if (own is not None or taken) and time.monotonic() - started > HOLD_SECONDS:
            cut = True
            break
        taken += 1
        try:
            with session.begin_nested():
                handle(session, payload)
        except Exception as exc:
            # Not this job's own work: one broken event must not fail every batch that meets it.
            log.warning(
                "outbox event %s (%s) failed in a batch, handed to a job of its own: %s",
                event_id,
                topic,
                exc,
                exc_info=not isinstance(exc, MuqingError),
            )
            hand_back(session, event_ids=[event_id], error=f"{type(exc).__name__}: {exc}")
            continue
        done.append(event_id)
    complete_events(session, event_ids=done)
    return taken, cut


def work_through(
    *,
    topic: str,
    own: dict[str, Any] | None,
    own_event_id: int | None,
    handle: Callable[[Session, dict[str, Any]], object],
    then: str | None = None,
) -> int:
    """Do a job's own work and take on up to ``BATCH`` waiting events of its topic (``_drain``), in transactions of
    its own: a new one whenever one has been open for ``HOLD_SECONDS``.

    Returns how many waiting events it took on. The relay may have sent one job for a whole burst (see
    ``relay``): if the job's own work fails, the events it would have taken go to jobs of their own at once
    instead of waiting for the lease. With ``then`` (a topic declared with ``follow``), the events of that
    topic this work makes are kept from the queue and worked through by this job right after the commit:
    a burst goes from one stage to the next without waiting in the queue between them.
    """
    follow = follower(then)
    taken = 0
    with reserving(then if follow is not None else None):
        while True:
            try:
                with session_scope() as session:
                    more, cut = _drain(
                        session, topic=topic, own=own, own_event_id=own_event_id, handle=handle, limit=BATCH - taken
                    )
            except Exception as exc:
                with session_scope() as session:
                    waiting = [event_id for event_id, _ in waiting_events(session, topic=topic, exclude=own_event_id)]
                    error = f"同批任务失败，改为单独发送：{type(exc).__name__}: {exc}"
                    hand_back(session, event_ids=waiting, error=error)
                raise
            taken, own = taken + more, None
            if not cut or taken >= BATCH:
                break
            # A writer waiting for the lock polls; this gap is its turn before the next transaction.
            time.sleep(YIELD_SECONDS)
    if follow is not None:
        follow()
    return taken


def work_waiting(*, topic: str, handle: Callable[[Session, dict[str, Any]], object], then: str | None = None) -> None:
    """Work through every waiting event of ``topic``, a batch per transaction (a job following through to it).

    A failed batch hands its events to jobs of their own (``work_through``), which report the error; this job,
    whose own work is done, goes on. A transient error (the database restarting) is raised, so the job is
    retried and follows through again.
    """
    while True:
        try:
            taken = work_through(topic=topic, own=None, own_event_id=None, handle=handle, then=then)
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            log.exception("working through the waiting %s events failed; they were handed to jobs of their own", topic)
            return
        if taken < BATCH:
            return
