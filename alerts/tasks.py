"""Alert jobs: raise alerts, deliver notifications, the reminder sweep."""

from __future__ import annotations

from alerts.intake import raise_alert as raise_alert_flow
from alerts.notify import service as _notify  # noqa: F401 - registers the notification listener
from alerts.notify.delivery import deliver as deliver_flow
from alerts.notify.delivery import due_retries
from alerts.sweep import sweep as sweep_flow
from core.db import session_scope
from core.tasks import celery_app


@celery_app.task(name="alerts.raise_alert")
def raise_alert(post_id: int) -> None:
    """Open (or find, or group) the alert for an analysed post that needs a response."""
    with session_scope() as session:
        raise_alert_flow(session, post_id=post_id)


@celery_app.task(name="alerts.deliver")
def deliver(delivery_id: int) -> str:
    """One attempt at one delivery; a failure schedules the next attempt with exponential backoff."""
    outcome = deliver_flow(delivery_id=delivery_id)
    if outcome.retry_in is not None and not celery_app.conf.task_always_eager:
        deliver.apply_async(kwargs={"delivery_id": delivery_id}, countdown=outcome.retry_in)
    return outcome.status


@celery_app.task(name="alerts.sweep")
def sweep() -> int:
    """Send due reminders and escalations, and resend deliveries whose scheduled retry was lost."""
    with session_scope() as session:
        fired = sweep_flow(session)
    for delivery_id in due_retries():
        deliver.apply_async(kwargs={"delivery_id": delivery_id})
    return fired
