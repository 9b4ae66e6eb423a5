"""Alert tables: cases, their posts, the audit log, responses, routing rules and SLA policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from core.models import Base, Post, Section, TimestampMixin, User
from core.timeutil import utcnow


class AlertPost(Base):
    """A post that belongs to an alert (a post belongs to at most one alert)."""

    __tablename__ = "alert_post"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True, unique=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")

    post: Mapped[Post] = relationship()


class RoutingRule(TimestampMixin, Base):
    """A routing rule: what it matches (data) and which section leads; lower priority runs first."""

    __tablename__ = "routing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    match: Mapped[dict[str, Any]] = mapped_column(default=dict)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    co_section_ids: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")

    section: Mapped[Section | None] = relationship()


class SlaPolicy(TimestampMixin, Base):
    """Time limits for one severity (or alert kind): each limit is ``{"amount", "unit"}`` or absent."""

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    severity: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Alert(TimestampMixin, Base):
    """One case: a matter raised from one or more posts, owned by a section, tracked to closure."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="complaint")
    title: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    routing_rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rule.id", ondelete="SET NULL"))
    routing_reason: Mapped[str] = mapped_column(Text, default="")
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    ack_due: Mapped[datetime | None]
    response_due: Mapped[datetime | None]
    close_due: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    assigned_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    post_count: Mapped[int] = column_property(
        select(func.count(AlertPost.post_id)).where(AlertPost.alert_id == id).scalar_subquery()
    )

    section: Mapped[Section | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    routing_rule: Mapped[RoutingRule | None] = relationship()
    links: Mapped[list[AlertPost]] = relationship(order_by="AlertPost.added_at", cascade="all, delete-orphan")
    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="AlertEvent.id", cascade="all, delete-orphan"
    )
    responses: Mapped[list[Response]] = relationship(
        back_populates="alert", order_by="Response.id", cascade="all, delete-orphan"
    )

    @property
    def posts(self) -> list[Post]:
        """The posts of this alert, in the order they joined."""
        return [link.post for link in self.links]


class AlertEvent(Base):
    """Append-only audit log: who did what to an alert, when, from which state to which, and why."""

    __tablename__ = "alert_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    alert: Mapped[Alert] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def actor_name(self) -> str | None:
        """Who acted (None for the system)."""
        return self.actor.display_name if self.actor else None


class Response(Base):
    """A response to the public: what was said, where it was published, and a link."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    content: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(40), default="website")
    link: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    alert: Mapped[Alert] = relationship(back_populates="responses")
    author: Mapped[User | None] = relationship()

    @property
    def author_name(self) -> str | None:
        """Who wrote the response."""
        return self.author.display_name if self.author else None
