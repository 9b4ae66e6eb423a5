"""Alert jobs: raise alerts, deliver notifications, the reminder sweep."""

from __future__ import annotations

from typing import Any

from celery import Task
from sqlalchemy.orm import Session

from alerts.cases.intake import raise_alert as raise_alert_flow
from alerts.disclosure.annual import send_report_reminders
from alerts.notify import service as _notify  # noqa: F401 - registers the notification listener
from alerts.notify import source_health as _source_health  # noqa: F401 - registers its job
from alerts.notify.delivery import Outcome, deliver_all_waiting, deliver_waiting, due_retries
from alerts.notify.service import DELIVER_TOPIC
from alerts.sla.deadlines import recompute_deadlines
from alerts.sweep import sweep_cases
from core.db import session_scope
from core.outbox import drained_topic
from core.outbox_work import work_through, work_waiting
from core.tasks import celery_app, outbox_event_of
from core.timeutil import utcnow


def _raise(session: Session, payload: dict[str, Any]) -> None:
    raise_alert_flow(session, post_id=int(payload["post_id"]))


def _raise_waiting() -> None:
    work_waiting(topic=RAISE_TOPIC, handle=_raise, then=DELIVER_TOPIC)


def _deliver_waiting() -> None:
    _retry_later(deliver_all_waiting())


# A job whose work queues raising or deliveries goes on with them itself (``work_through``'s ``then``).
RAISE_TOPIC = drained_topic("alerts.raise_alert", follow=_raise_waiting)
drained_topic(DELIVER_TOPIC, follow=_deliver_waiting)


@celery_app.task(name=RAISE_TOPIC, bind=True)
def raise_alert(self: Task, post_id: int) -> None:
    """Open (or find, or group) the alert for an analysed post, and for the others waiting in the same burst."""
    work_through(
        topic=RAISE_TOPIC,
        own={"post_id": post_id},
        own_event_id=outbox_event_of(self.request),
        handle=_raise,
        then=DELIVER_TOPIC,
    )


@celery_app.task(name=DELIVER_TOPIC, bind=True)
def deliver(self: Task, delivery_id: int) -> str:
    """One attempt at one delivery, then at those queued behind it; each failure schedules its own retry."""
    outcomes = deliver_waiting(delivery_id=delivery_id, own_event_id=outbox_event_of(self.request))
    _retry_later(outcomes)
    return outcomes[delivery_id].status


def _retry_later(outcomes: dict[int, Outcome]) -> None:
    # Each failed delivery gets a job of its own, after its back-off (inline runs have no later: the sweep resends).
    if celery_app.conf.task_always_eager:
        return
    for delivery_id, outcome in outcomes.items():
        if outcome.retry_in is not None:
            deliver.apply_async(kwargs={"delivery_id": delivery_id}, countdown=outcome.retry_in)


@celery_app.task(name="alerts.sweep")
def sweep() -> int:
    """Send due reminders and escalations (and the annual report's), and resend deliveries whose retry was lost."""
    now = utcnow()
    with session_scope() as session:
        recompute_deadlines(session)
    fired, after = 0, 0
    while True:
        # A transaction per chunk of cases, so a reveal or a response never waits for the whole sweep.
        with session_scope() as session:
            part, last = sweep_cases(session, now=now, after_id=after)
        fired += part
        if last is None:
            break
        after = last
    with session_scope() as session:
        fired += send_report_reminders(session)
    for delivery_id in due_retries():
        deliver.apply_async(kwargs={"delivery_id": delivery_id})
    return fired
