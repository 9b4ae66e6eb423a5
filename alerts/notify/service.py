"""Turning case events into notifications: preferences, inboxes, deliveries queued through the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from alerts.cases.audit import on_event
from alerts.cases.models import AlertEvent
from alerts.notify.channels import CHANNEL_LABELS
from alerts.notify.models import Delivery, InboxItem, Notification, NotificationChannel, NotificationPreference
from alerts.notify.render import render
from alerts.notify.rules import KINDS, SEVERITY_RANK, audience, unique_users
from core.db import transaction_cache
from core.errors import InvalidInput, NotFound
from core.models import User
from core.outbox import add_event, drained_topic
from core.timeutil import utcnow

DELIVER_TOPIC = drained_topic("alerts.deliver")
PERSONAL_CHANNELS = ("inapp", "email")
DEFAULT_PERSONAL = ["inapp", "email"]
CHANNEL_KINDS = ("email", "wecom", "dingtalk", "webhook")


def _wants(events: Sequence[str], min_severity: str | None, *, kind: str, severity: str) -> bool:
    if events and kind not in events:
        return False
    return not min_severity or SEVERITY_RANK.get(severity, 1) >= SEVERITY_RANK.get(min_severity, 1)


def personal_channels(session: Session, *, user: User, kind: str, severity: str) -> list[str]:
    """How ``user`` wants to hear of ``kind``: their preference, else their section's, else in-app and e-mail."""
    cache = transaction_cache(session, "notify-preferences", depends_on=(NotificationPreference, User))
    if (user.id, user.section_id) not in cache:
        preference = session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
        if preference is None and user.section_id is not None:
            preference = session.scalar(
                select(NotificationPreference).where(NotificationPreference.section_id == user.section_id)
            )
        cache[(user.id, user.section_id)] = preference
    preference = cache[(user.id, user.section_id)]
    if preference is None:
        return list(DEFAULT_PERSONAL)
    if not _wants(preference.events or [], preference.min_severity, kind=kind, severity=severity):
        return []
    return [c for c in preference.channels or [] if c in PERSONAL_CHANNELS]


def matching_channels(
    session: Session, *, kind: str, severity: str, section_ids: list[int]
) -> list[NotificationChannel]:
    """Enabled channels that want ``kind``: center-wide ones, and those of the case's sections."""
    cache = transaction_cache(session, "notify-channels", depends_on=(NotificationChannel,))
    if "enabled" not in cache:
        enabled = select(NotificationChannel).where(NotificationChannel.enabled.is_(True))
        cache["enabled"] = list(session.scalars(enabled))
    channels: list[NotificationChannel] = cache["enabled"]
    return [
        channel
        for channel in channels
        if (channel.section_id is None or channel.section_id in section_ids)
        and _wants(channel.events or [], channel.min_severity, kind=kind, severity=severity)
    ]


def _queue(session: Session, delivery: Delivery) -> None:
    session.add(delivery)
    session.flush()
    add_event(session, topic=DELIVER_TOPIC, payload={"delivery_id": delivery.id})


@on_event
def notify_event(session: Session, event: AlertEvent) -> Notification | None:
    """Make the notification an audit event calls for, in the same transaction, and queue its deliveries."""
    alert = event.alert
    who = audience(session, alert=alert, event=event)
    if who is None:
        return None
    users = unique_users(who.users, skip=event.actor)
    section_ids = ([alert.section_id] if alert.section_id else []) + alert.co_section_ids
    channels = matching_channels(session, kind=who.kind, severity=alert.severity, section_ids=section_ids)
    if not users and not channels:
        return None
    rendered = render(who.kind, alert=alert, event=event)
    notification = Notification(
        alert_id=alert.id,
        event_id=event.id,
        kind=who.kind,
        severity=alert.severity,
        title=rendered.title,
        body=rendered.text,
        data={**rendered.data, "markdown": rendered.markdown},
        created_at=utcnow(),
    )
    session.add(notification)
    session.flush()
    for user in users:
        wanted = personal_channels(session, user=user, kind=who.kind, severity=alert.severity)
        if "inapp" in wanted:
            session.add(InboxItem(notification_id=notification.id, user_id=user.id))
            session.add(
                Delivery(
                    notification_id=notification.id,
                    channel="inapp",
                    user_id=user.id,
                    target=user.username,
                    status="sent",
                    attempts=1,
                    sent_at=notification.created_at,
                )
            )
        if "email" in wanted and user.email:
            _queue(
                session,
                Delivery(notification_id=notification.id, channel="email", user_id=user.id, target=user.email),
            )
    for channel in channels:
        _queue(
            session,
            Delivery(
                notification_id=notification.id,
                channel=channel.kind,
                channel_id=channel.id,
                target=channel.name,
            ),
        )
    session.flush()
    return notification


def validate_channel(*, kind: str, config: dict[str, Any], events: list[str], min_severity: str | None) -> None:
    """A channel's settings checked before saving."""
    if kind not in CHANNEL_KINDS:
        raise InvalidInput(f"渠道类型「{kind}」无效，应为 {'、'.join(CHANNEL_KINDS)}", details={"field": "kind"})
    if kind == "email":
        to = config.get("to")
        if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
            raise InvalidInput("邮件渠道需要收件地址列表 to", details={"field": "config.to"})
    else:
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidInput(f"{CHANNEL_LABELS[kind]}需要以 http(s):// 开头的 url", details={"field": "config.url"})
    unknown = [e for e in events if e not in KINDS]
    if unknown:
        raise InvalidInput(f"未知的通知类型：{'、'.join(unknown)}", details={"field": "events"})
    if min_severity is not None and min_severity not in SEVERITY_RANK:
        raise InvalidInput("最低级别应为 一般、较大 或 重大", details={"field": "min_severity"})


def save_preference(
    session: Session,
    *,
    user_id: int | None = None,
    section_id: int | None = None,
    channels: list[str],
    events: list[str],
    min_severity: str | None,
) -> NotificationPreference:
    """Set a person's (or a section's default) notification preference."""
    if (user_id is None) == (section_id is None):
        raise InvalidInput("偏好设置须对应一个用户或一个科室")
    bad = [c for c in channels if c not in PERSONAL_CHANNELS]
    if bad:
        raise InvalidInput(f"个人通知渠道只能是 inapp、email：{'、'.join(bad)}", details={"field": "channels"})
    unknown = [e for e in events if e not in KINDS]
    if unknown:
        raise InvalidInput(f"未知的通知类型：{'、'.join(unknown)}", details={"field": "events"})
    if min_severity is not None and min_severity not in SEVERITY_RANK:
        raise InvalidInput("最低级别应为 一般、较大 或 重大", details={"field": "min_severity"})
    key = (
        NotificationPreference.user_id == user_id
        if user_id is not None
        else NotificationPreference.section_id == section_id
    )
    preference = session.scalar(select(NotificationPreference).where(key))
    if preference is None:
        preference = NotificationPreference(user_id=user_id, section_id=section_id)
        session.add(preference)
    preference.channels, preference.events, preference.min_severity = list(channels), list(events), min_severity
    session.flush()
    return preference


def inbox(session: Session, *, user: User, after_id: int = 0, unread: bool = False, limit: int = 50) -> list[InboxItem]:
    """The user's in-app notifications after ``after_id`` (newest first when paging back, oldest first when after)."""
    query = select(InboxItem).where(InboxItem.user_id == user.id).options(selectinload(InboxItem.notification))
    if unread:
        query = query.where(InboxItem.read_at.is_(None))
    if after_id:
        return list(session.scalars(query.where(InboxItem.id > after_id).order_by(InboxItem.id).limit(limit)))
    return list(session.scalars(query.order_by(InboxItem.id.desc()).limit(limit)))


def unread_count(session: Session, *, user: User) -> int:
    """How many in-app notifications the user has not read."""
    return (
        session.scalar(
            select(func.count()).select_from(InboxItem).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None))
        )
        or 0
    )


def latest_inbox_id(session: Session, *, user: User) -> int:
    """The newest inbox id of the user (0 when empty)."""
    return session.scalar(select(func.max(InboxItem.id)).where(InboxItem.user_id == user.id)) or 0


def mark_read(session: Session, *, user: User, ids: list[int] | None = None) -> int:
    """Mark the given (or all) in-app notifications read; returns how many changed."""
    query = update(InboxItem).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None))
    if ids is not None:
        query = query.where(InboxItem.id.in_(ids))
    result = session.execute(query.values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def deliveries(
    session: Session,
    *,
    alert_id: int | None = None,
    status: str | None = None,
    channel: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Delivery], int]:
    """The delivery log, newest first."""
    query = select(Delivery).join(Notification)
    if alert_id is not None:
        query = query.where(Notification.alert_id == alert_id)
    if status:
        query = query.where(Delivery.status == status)
    if channel:
        query = query.where(Delivery.channel == channel)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(selectinload(Delivery.notification)).order_by(Delivery.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


def retry_delivery(session: Session, *, delivery_id: int) -> Delivery:
    """Send a failed delivery again (the admin's retry); attempts start over."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"投递记录 {delivery_id} 不存在")
    if delivery.status not in ("failed", "retrying"):
        raise InvalidInput("只有失败或等待重试的投递可以重发", details={"field": "status"})
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, None
    add_event(session, topic=DELIVER_TOPIC, payload={"delivery_id": delivery.id})
    session.flush()
    return delivery
