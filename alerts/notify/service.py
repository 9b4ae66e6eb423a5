"""Notifications: case events into notifications, preferences, inboxes, channels, deliveries through the outbox.

This room's tables are written here (and by ``delivery``, which records each attempt) only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from alerts.cases.audit import on_event
from alerts.cases.models import AlertEvent
from alerts.notify.channels import CHANNEL_LABELS
from alerts.notify.models import Delivery, InboxItem, Notification, NotificationChannel, NotificationPreference
from alerts.notify.render import render
from alerts.notify.rules import KINDS, SEVERITY_RANK, audience, unique_users
from alerts.notify.schemas import ChannelIn
from core.db import transaction_cache
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import Section, User
from core.outbox import add_event, drained_topic
from core.privacy import keep_unmasked_value, mask_text
from core.timeutil import utcnow
from core.types import Role
from core.urlpolicy import UrlRefused, check_url

DELIVER_TOPIC = drained_topic("alerts.deliver")
PERSONAL_CHANNELS = ("inapp", "email")
DEFAULT_PERSONAL = ["inapp", "email"]
CHANNEL_KINDS = ("email", "wecom", "dingtalk", "webhook")
# A secret is never shown; sent back unchanged from a form, it means "keep the stored one".
HIDDEN_SECRET = "******"
PreferenceSource = Literal["user", "section", "default"]


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


def deliver_in_person(session: Session, *, notification: Notification, user: User, channels: list[str]) -> None:
    """A notification to one person over their own channels: the in-app inbox at once, e-mail as a retried job."""
    if "inapp" in channels:
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
    if "email" in channels and user.email:
        _queue(session, Delivery(notification_id=notification.id, channel="email", user_id=user.id, target=user.email))


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
        deliver_in_person(session, notification=notification, user=user, channels=wanted)
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


def notify_people(
    session: Session, *, kind: str, title: str, body: str, users: Sequence[User], data: dict[str, Any] | None = None
) -> Notification | None:
    """A notification about no case (e.g. the annual report), to people's inboxes and e-mail as they prefer."""
    people = unique_users(list(users), skip=None)
    if not people:
        return None
    notification = Notification(
        kind=kind,
        severity="",
        title=mask_text(title),
        body=mask_text(body),
        data={**(data or {}), "markdown": f"**{mask_text(title)}**\n\n{mask_text(body)}"},
        created_at=utcnow(),
    )
    session.add(notification)
    session.flush()
    for user in people:
        wanted = personal_channels(session, user=user, kind=kind, severity="")
        deliver_in_person(session, notification=notification, user=user, channels=wanted)
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
        rate = config.get("rate_per_minute")
        if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= 1000):
            raise InvalidInput("每分钟发送上限应为 1–1000 的整数", details={"field": "config.rate_per_minute"})
        try:
            check_url(url, field="config.url")
        except UrlRefused as exc:
            # A name this machine cannot resolve now may resolve later; every send checks again.
            if exc.details.get("rule") != "resolve":
                raise
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


def preference_of(
    session: Session, *, user: User | None = None, section_id: int | None = None
) -> tuple[NotificationPreference | None, PreferenceSource]:
    """The preference that applies and where it comes from: a user's own, else their section's, else the default."""
    if user is not None:
        mine = session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
        if mine is not None:
            return mine, "user"
        section_id = user.section_id
    if section_id is not None:
        kept = session.scalar(select(NotificationPreference).where(NotificationPreference.section_id == section_id))
        if kept is not None:
            return kept, "section"
    return None, "default"


def check_section_preference_access(session: Session, *, user: User, section_id: int) -> None:
    """Only the admin, or that section's head, sees and sets a section's default preference."""
    if session.get(Section, section_id) is None:
        raise NotFound(f"科室 {section_id} 不存在")
    if user.role == Role.admin or (user.role == Role.head and user.section_id == section_id):
        return
    raise PermissionDenied("只有管理员或本科室负责人可以设置科室的通知偏好")


def list_channels(session: Session) -> list[NotificationChannel]:
    """Group robots, webhooks and mailing lists, in the order they were added."""
    return list(session.scalars(select(NotificationChannel).order_by(NotificationChannel.id)))


def get_channel(session: Session, *, channel_id: int) -> NotificationChannel:
    """One channel, or NotFound."""
    channel = session.get(NotificationChannel, channel_id)
    if channel is None:
        raise NotFound(f"通知渠道 {channel_id} 不存在")
    return channel


def save_channel(session: Session, *, data: ChannelIn, channel_id: int | None = None) -> NotificationChannel:
    """Create a channel (no id) or change one; a secret sent back hidden keeps the stored secret."""
    channel = get_channel(session, channel_id=channel_id) if channel_id is not None else NotificationChannel()
    # The form shows the stored addresses masked (an e-mail address made of a phone number): untouched, kept.
    config = keep_unmasked_value(dict(data.config), of=channel.config or {})
    if config.get("secret") == HIDDEN_SECRET:
        config["secret"] = (channel.config or {}).get("secret")
    validate_channel(kind=data.kind, config=config, events=data.events, min_severity=data.min_severity)
    with session.no_autoflush:
        if data.section_id is not None and session.get(Section, data.section_id) is None:
            raise InvalidInput(f"科室 {data.section_id} 不存在", details={"field": "section_id"})
        clash = session.scalar(select(NotificationChannel.id).where(NotificationChannel.name == data.name))
    if clash is not None and clash != channel.id:
        raise Conflict(f"已有名为「{data.name}」的通知渠道", details={"field": "name"})
    for field_name, value in data.model_dump(exclude={"config"}).items():
        setattr(channel, field_name, value)
    channel.config = config
    if channel_id is None:
        session.add(channel)
    session.flush()
    return channel


def delete_channel(session: Session, *, channel_id: int) -> None:
    """Remove a channel (its delivery log stays)."""
    session.delete(get_channel(session, channel_id=channel_id))
    session.flush()


def send_test(session: Session, *, channel_id: int) -> Delivery:
    """Queue a test message through a channel; follow it in the delivery log."""
    channel = get_channel(session, channel_id=channel_id)
    notification = Notification(
        kind="test", title="牧情测试消息", body="这是一条测试消息，收到即说明通知渠道配置正确。", data={}
    )
    session.add(notification)
    session.flush()
    delivery = Delivery(
        notification_id=notification.id, channel=channel.kind, channel_id=channel.id, target=channel.name
    )
    _queue(session, delivery)
    return delivery
