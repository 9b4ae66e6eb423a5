"""Delivering one notification to one channel: claim it, send it outside any transaction, log the result.

Each attempt is claimed atomically first, so two workers never send the same delivery at once; a claim
left behind by a crashed worker expires. Failures are retried with exponential backoff until
``MUQING_NOTIFY_MAX_ATTEMPTS``; permanent ones (a wrong robot key, a refused address) stop at once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from alerts.notify import ratelimit
from alerts.notify.channels import SENDERS, Message, SendError
from alerts.notify.models import Delivery, Notification, NotificationChannel
from alerts.notify.service import DELIVER_TOPIC
from core.config import get_settings
from core.db import session_scope
from core.outbox import BATCH, complete_events, hand_back, waiting_events
from core.timeutil import utcnow

log = logging.getLogger(__name__)

CLAIM_EXPIRES = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt did: ``sent``, ``retrying`` (with the delay), ``failed``, ``skipped`` or ``throttled``.

    ``throttled``: the channel's rate limit is reached; the delivery waits ``retry_in`` seconds, no attempt used.
    """

    status: str
    retry_in: float | None = None
    error: str | None = None


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failures: doubling from the base, capped, ±10 %."""
    settings = get_settings()
    delay = min(settings.notify_retry_base_seconds * 2 ** max(attempts - 1, 0), settings.notify_retry_max_seconds)
    return float(delay * random.uniform(0.9, 1.1))


Claimed = tuple[str, dict[str, Any], Message, int]


def _claim(session: Session, delivery_id: int, now: datetime) -> Claimed | Outcome | None:
    claimable = or_(
        Delivery.status.in_(["pending", "retrying"]),
        (Delivery.status == "sending") & (Delivery.claimed_at < now - CLAIM_EXPIRES),
    )
    claimed = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, claimable)
        .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    session.refresh(delivery)
    notification = session.get(Notification, delivery.notification_id)
    assert notification is not None
    config: dict[str, Any]
    if delivery.channel == "email" and delivery.channel_id is None:
        config = {"to": [delivery.target]}
    else:
        channel = session.get(NotificationChannel, delivery.channel_id) if delivery.channel_id else None
        config = dict(channel.config) if channel is not None and channel.enabled else {}
    data = dict(notification.data or {})
    message = Message(
        delivery_id=delivery.id,
        kind=notification.kind,
        title=notification.title,
        text=notification.body,
        markdown=str(data.pop("markdown", notification.body)),
        url=(data.get("alert") or {}).get("url"),
        data=data,
    )
    if config:
        planned = ratelimit.plan(session, delivery=delivery, kind=delivery.channel, config=config, now=now)
        if isinstance(planned, ratelimit.Throttled):
            ratelimit.hold(delivery, planned)
            return Outcome("throttled", retry_in=max((planned.until - now).total_seconds(), 1.0))
        if planned:
            message = ratelimit.carry(session, delivery=delivery, message=message, merged=planned)
    return delivery.channel, config, message, delivery.attempts


def _send(delivery_id: int, claimed: Claimed) -> Outcome:
    channel, config, message, attempts = claimed
    try:
        if not config:
            raise SendError("渠道不存在或已停用", permanent=True)
        SENDERS[channel](config, message)
    except SendError as exc:
        return _failed(delivery_id, attempts, str(exc), permanent=exc.permanent)
    except Exception as exc:  # a bug in a sender: logged with its trace and retried like any failure
        log.exception("delivery %s via %s failed unexpectedly", delivery_id, channel)
        return _failed(delivery_id, attempts, f"{type(exc).__name__}: {exc}", permanent=False)
    return Outcome("sent")


def deliver(*, delivery_id: int, now: datetime | None = None) -> Outcome:
    """One attempt at a delivery (idempotent: a sent or claimed delivery is skipped)."""
    now = now or utcnow()
    with session_scope() as session:
        claimed = _claim(session, delivery_id, now)
    if claimed is None:
        return Outcome("skipped")
    if isinstance(claimed, Outcome):
        return claimed
    outcome = _send(delivery_id, claimed)
    if outcome.status == "sent":
        _mark_sent([delivery_id])
    return outcome


def deliver_waiting(*, delivery_id: int, own_event_id: int | None, now: datetime | None = None) -> dict[int, Outcome]:
    """Deliver ``delivery_id``, then the deliveries queued behind it, one attempt each; returns every outcome.

    A burst of alerts queues one delivery per alert and channel: sending those that wait in one job spares a
    job and two transactions for each. The first failure ends the run: deliveries not yet tried go back to
    the relay, which sends each in a job of its own (a failing channel never holds the others back twice).
    """
    now = now or utcnow()
    outcomes = {delivery_id: deliver(delivery_id=delivery_id, now=now)}
    mine = [own_event_id] if own_event_id is not None else []
    if outcomes[delivery_id].status not in ("sent", "skipped", "throttled"):
        # The relay may have sent this one job for the deliveries behind it too: they go to jobs of their own.
        # Its own attempt is over (the retry is scheduled apart): no new delivery should wait for this job.
        error = f"同批投递 {delivery_id} 失败：{outcomes[delivery_id].error}"
        _hand_back_waiting(exclude=own_event_id, complete=mine, error=error)
        return outcomes
    _, batch = _deliver_batch(exclude=own_event_id, complete=mine, done=set(outcomes), now=now)
    return {**outcomes, **batch}


def deliver_all_waiting(*, now: datetime | None = None) -> dict[int, Outcome]:
    """Deliver every queued delivery, a batch per transaction (a job following through from raising alerts).

    As in ``deliver_waiting``, the first failure ends the run and the deliveries still waiting go to jobs of
    their own.
    """
    now = now or utcnow()
    outcomes: dict[int, Outcome] = {}
    while True:
        taken, batch = _deliver_batch(exclude=None, complete=[], done=set(outcomes), now=now)
        outcomes.update(batch)
        failed = [(other, outcome) for other, outcome in batch.items() if outcome.status not in ("sent", "throttled")]
        if failed:
            other, outcome = failed[0]
            _hand_back_waiting(exclude=None, complete=[], error=f"同批投递 {other} 失败：{outcome.error}")
            return outcomes
        if taken < BATCH:
            return outcomes


def _deliver_batch(
    *, exclude: int | None, complete: list[int], done: set[int], now: datetime
) -> tuple[int, dict[int, Outcome]]:
    # Returns how many queued events were taken and the outcome of each delivery sent.
    outcomes: dict[int, Outcome] = {}
    with session_scope() as session:
        queued = waiting_events(session, topic=DELIVER_TOPIC, exclude=exclude)
        claims: list[tuple[int, int, Claimed]] = []
        for event_id, payload in queued:
            other = int(payload.get("delivery_id", 0))
            claimed = _claim(session, other, now) if other and other not in done else None
            if isinstance(claimed, Outcome):
                outcomes[other] = claimed
            elif claimed is not None:
                claims.append((event_id, other, claimed))
        # Taken now, with the claims, so no other job counts them as waiting. A claim left behind by a
        # crash expires and the sweep sends it again (``due_retries``).
        complete_events(session, event_ids=[*complete, *(event_id for event_id, _ in queued)])
    sent: list[int] = []
    for position, (_, other, claimed) in enumerate(claims):
        outcome = _send(other, claimed)
        outcomes[other] = outcome
        if outcome.status != "sent":
            # Its own retry is scheduled by the caller; the rest are handed back untried.
            _hand_back(claims[position + 1 :], error=f"同批投递 {other} 失败：{outcome.error}")
            break
        sent.append(other)
    _mark_sent(sent)
    return len(queued), outcomes


def _hand_back_waiting(*, exclude: int | None, complete: list[int], error: str) -> None:
    with session_scope() as session:
        queued = waiting_events(session, topic=DELIVER_TOPIC, exclude=exclude)
        hand_back(session, event_ids=[event_id for event_id, _ in queued], error=error)
        complete_events(session, event_ids=complete)


def _mark_sent(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    with session_scope() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids))
            .values(status="sent", sent_at=utcnow(), last_error=None, next_attempt_at=None)
        )


def _hand_back(claims: list[tuple[int, int, Claimed]], *, error: str) -> None:
    if not claims:
        return
    with session_scope() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_([other for _, other, _ in claims]))
            .values(status="pending", claimed_at=None, attempts=Delivery.attempts - 1)
        )
        hand_back(session, event_ids=[event_id for event_id, _, _ in claims], error=error)


def _failed(delivery_id: int, attempts: int, error: str, *, permanent: bool) -> Outcome:
    give_up = permanent or attempts >= get_settings().notify_max_attempts
    delay = None if give_up else backoff(attempts)
    with session_scope() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(
                status="failed" if give_up else "retrying",
                last_error=error[:2000],
                next_attempt_at=None if delay is None else utcnow() + timedelta(seconds=delay),
            )
        )
    log.warning(
        "delivery %s attempt %s failed (%s): %s", delivery_id, attempts, "gave up" if give_up else "will retry", error
    )
    return Outcome("failed" if give_up else "retrying", retry_in=delay, error=error)


def due_retries(*, now: datetime | None = None, grace: timedelta = timedelta(seconds=30)) -> list[int]:
    """Deliveries whose attempt is overdue: a scheduled retry was lost, or a claim was left by a crashed worker."""
    now = now or utcnow()
    with session_scope() as session:
        return list(
            session.scalars(
                select(Delivery.id)
                .where(
                    or_(
                        (Delivery.status == "retrying") & (Delivery.next_attempt_at < now - grace),
                        (Delivery.status == "sending") & (Delivery.claimed_at < now - CLAIM_EXPIRES),
                    )
                )
                .order_by(Delivery.id)
                .limit(500)
            )
        )
