"""Notification tables: channels, preferences, messages, in-app inboxes, deliveries, reminders sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit_log import watch
from core.models import Base, Section, TimestampMixin, User
from core.timeutil import utcnow


class NotificationChannel(TimestampMixin, Base):
    """A group robot, webhook or mailing list the admin set up; a section's channel hears only its cases.

    ``config`` by kind: email ``{"to": [addresses]}``; wecom ``{"url"}``; dingtalk ``{"url", "secret"}``;
    webhook ``{"url", "secret"}``.
    """

    __tablename__ = "notify_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"))
    events: Mapped[list[Any]] = mapped_column(default=list)
    min_severity: Mapped[str | None] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    section: Mapped[Section | None] = relationship()


class NotificationPreference(TimestampMixin, Base):
    """What a person (or, as a default for its people, a section) wants to hear and how."""

    __tablename__ = "notify_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"), unique=True)
    channels: Mapped[list[Any]] = mapped_column(default=list)
    events: Mapped[list[Any]] = mapped_column(default=list)
    min_severity: Mapped[str | None] = mapped_column(String(20))


class Notification(Base):
    """One message about one case event, already masked; sent to people and channels as deliveries."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("alert_event.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="notification", order_by="Delivery.id")


class InboxItem(Base):
    """A notification in a person's in-app inbox (the live stream reads these)."""

    __tablename__ = "notify_inbox"
    __table_args__ = (Index("ix_notify_inbox_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    read_at: Mapped[datetime | None]

    notification: Mapped[Notification] = relationship()


class Delivery(Base):
    """One notification to one channel or address: attempts, status, last error (the delivery log)."""

    __tablename__ = "notify_delivery"
    __table_args__ = (Index("ix_notify_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("notify_channel.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(500), default="")
    # pending | sending | retrying | sent | failed | merged (sent inside another delivery's digest)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # A robot's rate limit merges a burst into one digest message: the delivery that carried it.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("notify_delivery.id", ondelete="SET NULL"), index=True
    )

    notification: Mapped[Notification] = relationship(back_populates="deliveries")
    user: Mapped[User | None] = relationship()


class ReminderSent(Base):
    """A reminder stage fired for one deadline of one case; the unique key makes each fire exactly once."""

    __tablename__ = "alert_reminder"
    __table_args__ = (UniqueConstraint("alert_id", "deadline", "stage", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[str] = mapped_column(String(20))
    # remind | due | overdue
    stage: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# Admin changes of channels are logged wherever they are made; their URLs and secrets never reach the log.
watch(NotificationChannel, entity="notify_channel", name=lambda channel: channel.name)
