"""Case tables: cases, their posts, the audit log, responses, attachments, extensions, follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, event, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from alerts.routing.models import RoutingRule
from alerts.sla.models import SlaPolicy
from core.models import Base, Post, Section, TimestampMixin, User
from core.timeutil import utcnow


class AlertPost(Base):
    """A post that belongs to an alert (a post belongs to at most one alert)."""

    __tablename__ = "alert_post"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True, unique=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None] = mapped_column(Float)

    post: Mapped[Post] = relationship()


class AlertCoSection(Base):
    """A section that helps the lead section on a case (协办): it sees the case and may log progress."""

    __tablename__ = "alert_co_section"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"), primary_key=True, index=True)

    section: Mapped[Section] = relationship()


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
    duty_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    routing_rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rule.id", ondelete="SET NULL"))
    routing_reason: Mapped[str] = mapped_column(Text, default="")
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The response and close clocks restart when a case is sent back for redoing (发回重办).
    clock_started_at: Mapped[datetime | None]
    ack_due: Mapped[datetime | None]
    response_due: Mapped[datetime | None]
    close_due: Mapped[datetime | None]
    # Deadlines computed on the provisional calendar: {"close": [2027]} per deadline, the years without an
    # official arrangement it relied on; recomputed when such a year is entered.
    provisional_deadlines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deadlines_provisional: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    acknowledged_at: Mapped[datetime | None]
    assigned_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[datetime | None]
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A hotline work order's number (工单编号) and the hotline's own deadline (处理时限); the stricter one wins.
    external_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    external_due: Mapped[datetime | None]
    post_count: Mapped[int] = column_property(
        select(func.count(AlertPost.post_id)).where(AlertPost.alert_id == id).scalar_subquery()
    )

    section: Mapped[Section | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    duty_user: Mapped[User | None] = relationship(foreign_keys=[duty_user_id])
    routing_rule: Mapped[RoutingRule | None] = relationship()
    sla_policy: Mapped[SlaPolicy | None] = relationship()
    links: Mapped[list[AlertPost]] = relationship(order_by="AlertPost.added_at", cascade="all, delete-orphan")
    co_sections: Mapped[list[AlertCoSection]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="AlertEvent.id", cascade="all, delete-orphan"
    )
    responses: Mapped[list[Response]] = relationship(
        back_populates="alert", order_by="Response.id", cascade="all, delete-orphan"
    )
    extensions: Mapped[list[Extension]] = relationship(
        back_populates="alert", order_by="Extension.id", cascade="all, delete-orphan"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="alert", order_by="FollowUp.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="alert", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def provisional(self) -> bool:
        """True when a deadline relies on a year without an official holiday arrangement (暂定)."""
        return bool(self.deadlines_provisional)

    @property
    def posts(self) -> list[Post]:
        """The posts of this alert, in the order they joined."""
        return [link.post for link in self.links]

    @property
    def co_section_ids(self) -> list[int]:
        """The co-handling sections (协办)."""
        return [link.section_id for link in self.co_sections]

    @property
    def pending_response(self) -> Response | None:
        """A response waiting for the section head's sign-off, if any."""
        return next((r for r in self.responses if r.status == "pending_sign_off"), None)

    @property
    def pending_extension(self) -> Extension | None:
        """An extension request waiting for a decision, if any."""
        return next((x for x in self.extensions if x.status == "pending"), None)


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


@event.listens_for(AlertEvent, "before_update")
def _audit_is_append_only(_mapper: Any, _connection: Any, target: AlertEvent) -> None:
    raise RuntimeError(f"audit event {target.id} is append-only")


class Response(Base):
    """A response to the public: what was said, where it was published, a link, and its sign-off."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    content: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(40), default="website")
    link: Mapped[str | None] = mapped_column(String(2048))
    contact: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # published | pending_sign_off | rejected
    status: Mapped[str] = mapped_column(String(20), default="published")
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_off_at: Mapped[datetime | None]

    alert: Mapped[Alert] = relationship(back_populates="responses")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    attachments: Mapped[list[Attachment]] = relationship(back_populates="response", order_by="Attachment.id")

    @property
    def author_name(self) -> str | None:
        """Who wrote the response."""
        return self.author.display_name if self.author else None

    @property
    def signed_off_by_name(self) -> str | None:
        """Who signed the response off."""
        return self.signed_off_by.display_name if self.signed_off_by else None


class Attachment(Base):
    """A file kept with a case (e.g. the published reply as PDF), stored in the data directory."""

    __tablename__ = "alert_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(500))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    alert: Mapped[Alert] = relationship(back_populates="attachments")
    response: Mapped[Response | None] = relationship(back_populates="attachments")


class Extension(Base):
    """A request to extend one deadline (申请延期), and the decision on it."""

    __tablename__ = "alert_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[str] = mapped_column(String(20), default="close")
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    # pending | approved | refused
    status: Mapped[str] = mapped_column(String(20), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    old_due: Mapped[datetime | None]
    new_due: Mapped[datetime | None]

    alert: Mapped[Alert] = relationship(back_populates="extensions")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class FollowUp(Base):
    """A follow-up call or visit (回访) and the satisfaction recorded; 不满意 reopens the case."""

    __tablename__ = "alert_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    method: Mapped[str] = mapped_column(String(20), default="phone")
    satisfaction: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)

    alert: Mapped[Alert] = relationship(back_populates="follow_ups")
    by: Mapped[User | None] = relationship()
