"""Register tables: information requests (依申请公开登记), the annual report per year, reminders sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alerts.cases.models import Alert
from core.models import Base, TimestampMixin, User
from core.timeutil import utcnow


class DisclosureRequest(TimestampMixin, Base):
    """One information request: who asked, how, for what, each step's date and the outcome.

    A request handled in Muqing has its case (``alert_id``, kind ``info_request``) whose clock the steps move;
    one handled before or outside it (answered when entered, e.g. an imported register) has none.
    """

    __tablename__ = "disclosure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    title: Mapped[str] = mapped_column(Text, default="")
    information: Mapped[str] = mapped_column(Text)
    applicant_type: Mapped[str] = mapped_column(String(20), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_contact: Mapped[str] = mapped_column(String(300), default="")
    received_via: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(index=True)
    correction_requested_at: Mapped[datetime | None]
    correction_received_at: Mapped[datetime | None]
    extended_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    answer_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    alert: Mapped[Alert | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class AnnualReport(TimestampMixin, Base):
    """The annual report of one year: the sections the office fills in, and, once published, its frozen figures."""

    __tablename__ = "disclosure_report"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    forms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # draft | published
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None]
    published_url: Mapped[str] = mapped_column(String(2048), default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Section 三 as published (row → column → count); later changes to the register never rewrite it.
    figures: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])


class ReportReminder(Base):
    """A reminder about an unpublished annual report sent on one day (the unique key: once a day)."""

    __tablename__ = "disclosure_reminder"
    __table_args__ = (UniqueConstraint("year", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="SET NULL"))
