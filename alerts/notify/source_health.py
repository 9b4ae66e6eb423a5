"""Telling the admins that a source's parser degraded (解析异常): the twin of the blind warning, as a notification.

The crawl that noticed it leaves an outbox event (``crawlers.service.SOURCE_HEALTH_TOPIC``); this job turns it
into one notification for every active admin (in-app and e-mail as each prefers) and for every channel that
asked for ``source.degraded``, through the same deliveries as case notifications.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from alerts.notify.models import Delivery, Notification
from alerts.notify.rules import role_users
from alerts.notify.service import _queue, deliver_in_person, matching_channels, personal_channels
from core.config import get_settings
from core.models import Source
from core.tasks import celery_app
from core.timeutil import utcnow
from core.types import Role

KIND = "source.degraded"
TOPIC = "alerts.notify_source_health"


def notify_source_health(
    session: Session, *, source_id: int, message: str, run_id: int | None = None
) -> Notification | None:
    """One notification about a degraded source to the admins and the channels that want it."""
    source = session.get(Source, source_id)
    if source is None:
        return None
    title = f"采集来源解析异常：{source.title or source.name}"
    base = (get_settings().public_url or "").rstrip("/")
    url = f"{base}/admin/sources/{source.id}"
    text = f"{title}\n\n{message}\n\n请检查该来源的页面结构和选择器（试抓可立即查看解析结果）。"
    markdown = f"### {title}\n> {message}\n\n[查看来源]({url})" if base else f"### {title}\n> {message}"
    notification = Notification(
        alert_id=None,
        kind=KIND,
        severity="一般",
        title=title,
        body=text,
        data={"source": {"id": source.id, "name": source.name, "url": url}, "run_id": run_id, "markdown": markdown},
        created_at=utcnow(),
    )
    session.add(notification)
    session.flush()
    for user in role_users(session, Role.admin):
        wanted = personal_channels(session, user=user, kind=KIND, severity="一般")
        deliver_in_person(session, notification=notification, user=user, channels=wanted)
    for channel in matching_channels(session, kind=KIND, severity="一般", section_ids=[]):
        if channel.section_id is None and KIND in (channel.events or []):
            _queue(
                session,
                Delivery(
                    notification_id=notification.id, channel=channel.kind, channel_id=channel.id, target=channel.name
                ),
            )
    session.flush()
    return notification


@celery_app.task(name=TOPIC)
def notify_source_health_task(source_id: int, message: str, run_id: int | None = None, status: str = "") -> None:
    """Notify the admins of a degraded source (idempotent enough: one event per change of state)."""
    from core.db import session_scope

    with session_scope() as session:
        notify_source_health(session, source_id=source_id, message=message, run_id=run_id)
