"""Per-channel rate limits: group robots take 20 messages a minute (企业微信, 钉钉); a burst is merged, not lost.

A channel's limit is ``config.rate_per_minute`` (robots default to 20; webhooks and e-mail have none unless
set). Messages go out in order. While the last minute's messages fill the limit, a delivery waits for the
first free slot (the retry machinery brings it back, and waiting costs no attempt). The message that takes
the last free slot, or the first slot after a wait, carries every delivery still waiting on that channel as
one digest; those deliveries are marked ``merged`` and name the delivery that carried them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from alerts.notify.channels import Message
from alerts.notify.models import Delivery, Notification, NotificationChannel
from alerts.notify.render import md_text

WINDOW = timedelta(minutes=1)
DEFAULT_PER_MINUTE = {"wecom": 20, "dingtalk": 20}
MAX_PER_MINUTE = 1000
WAITING = "频率限制"


@dataclass(frozen=True, slots=True)
class Throttled:
    """The channel's window is full: wait until ``until``."""

    until: datetime
    limit: int


def per_minute(kind: str, config: dict[str, Any]) -> int | None:
    """The channel's limit of messages a minute, or None for no limit."""
    value = config.get("rate_per_minute")
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PER_MINUTE:
        return value
    return DEFAULT_PER_MINUTE.get(kind)


def plan(
    session: Session, *, delivery: Delivery, kind: str, config: dict[str, Any], now: datetime
) -> Throttled | list[Delivery]:
    """Throttled when the channel's last minute is full; else the waiting deliveries this one carries (maybe none)."""
    limit = per_minute(kind, config)
    if limit is None or delivery.channel_id is None:
        return []
    # One planner per channel at a time (PostgreSQL; SQLite writers are serialised already).
    channel = select(NotificationChannel.id).where(NotificationChannel.id == delivery.channel_id)
    session.execute(channel.with_for_update())
    since = now - WINDOW
    used = sorted(
        moment
        for sent_at, claimed_at in session.execute(
            select(Delivery.sent_at, Delivery.claimed_at).where(
                Delivery.channel_id == delivery.channel_id,
                Delivery.id != delivery.id,
                or_(
                    and_(Delivery.status == "sent", Delivery.sent_at > since),
                    and_(Delivery.status == "sending", Delivery.claimed_at > since),
                ),
            )
        )
        if (moment := sent_at or claimed_at) is not None
    )
    if len(used) >= limit:
        return Throttled(until=used[len(used) - limit] + WINDOW, limit=limit)
    # Waiting: not yet tried, or held by the limit. One backing off after an error keeps its own retry.
    waiting = list(
        session.scalars(
            select(Delivery)
            .where(
                Delivery.channel_id == delivery.channel_id,
                Delivery.id != delivery.id,
                or_(
                    Delivery.status == "pending",
                    and_(Delivery.status == "retrying", Delivery.last_error.startswith(WAITING)),
                ),
            )
            .order_by(Delivery.id)
        )
    )
    backlog = any(other.id < delivery.id or other.status == "retrying" for other in waiting)
    return waiting if waiting and (len(used) == limit - 1 or backlog) else []


def hold(delivery: Delivery, throttled: Throttled) -> None:
    """Put a claimed delivery back to wait for its slot (no attempt used)."""
    delivery.status = "retrying"
    delivery.attempts = max(delivery.attempts - 1, 0)
    delivery.claimed_at = None
    delivery.next_attempt_at = throttled.until
    delivery.last_error = f"{WAITING}：每分钟最多 {throttled.limit} 条，排队等待发送"


def carry(session: Session, *, delivery: Delivery, message: Message, merged: list[Delivery]) -> Message:
    """Mark ``merged`` as carried by ``delivery`` and return the digest message for all of them, in order."""
    for other in merged:
        other.status = "merged"
        other.merged_into_id = delivery.id
        other.claimed_at = other.next_attempt_at = None
        other.last_error = None
    items = sorted([delivery, *merged], key=lambda d: d.id)
    wanted = select(Notification).where(Notification.id.in_([d.notification_id for d in items]))
    notes = {note.id: note for note in session.scalars(wanted)}
    title = f"牧情通知汇总：{len(items)} 条（频率限制合并发送）"
    text_lines, markdown_lines, listed = [title, ""], [f"### {title}"], []
    for number, item in enumerate(items, start=1):
        note = notes[item.notification_id]
        url = ((note.data or {}).get("alert") or {}).get("url")
        text_lines.append(f"{number}. {note.title}" + (f"  {url}" if url else ""))
        link = f" [查看详情]({url})" if isinstance(url, str) and url.startswith("http") else ""
        markdown_lines.append(f"{number}. {md_text(note.title)}{link}")
        listed.append({"delivery_id": item.id, "kind": note.kind, "title": note.title, "alert_id": note.alert_id})
    return Message(
        delivery_id=message.delivery_id,
        kind="digest",
        title=title,
        text="\n".join(text_lines),
        markdown="\n".join(markdown_lines),
        url=None,
        data={"digest": listed},
    )
