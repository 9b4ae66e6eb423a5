"""Alert jobs: raise alerts, deliver notifications, the reminder sweep."""

from __future__ import annotations

from typing import Any

from celery import Task
from sqlalchemy.orm import Session

from alerts.intake import raise_alert as raise_alert_flow
from alerts.notify import service as _notify  # noqa: F401 - registers the notification listener
from alerts.notify.delivery import deliver_waiting, due_retries
from alerts.notify.service import DELIVER_TOPIC
from alerts.sweep import sweep as sweep_flow
from core.db import session_scope
from core.outbox import drained_topic, work_through
from core.tasks import celery_app, outbox_event_of

RAISE_TOPIC = drained_topic("alerts.raise_alert")


def _raise(session: Session, payload: dict[str, Any]) -> None:
    raise_alert_flow(session, post_id=int(payload["post_id"]))


@celery_app.task(name=RAISE_TOPIC, bind=True)
def raise_alert(self: Task, post_id: int) -> None:
    """Open (or find, or group) the alert for an analysed post, and for the others waiting in the same burst."""
    work_through(topic=RAISE_TOPIC, own={"post_id": post_id}, own_event_id=outbox_event_of(self.request), handle=_raise)


@celery_app.task(name=DELIVER_TOPIC, bind=True)
def deliver(self: Task, delivery_id: int) -> str:
    """One attempt at one delivery, then at those queued behind it; each failure schedules its own retry."""
    outcomes = deliver_waiting(delivery_id=delivery_id, own_event_id=outbox_event_of(self.request))
    if not celery_app.conf.task_always_eager:
        for other, outcome in outcomes.items():
            if outcome.retry_in is not None:
                deliver.apply_async(kwargs={"delivery_id": other}, countdown=outcome.retry_in)
    return outcomes[delivery_id].status


@celery_app.task(name="alerts.sweep")
def sweep() -> int:
    """Send due reminders and escalations, and resend deliveries whose scheduled retry was lost."""
    with session_scope() as session:
        fired = sweep_flow(session)
    for delivery_id in due_retries():
        deliver.apply_async(kwargs={"delivery_id": delivery_id})
    return fired
