"""The SLA room's tables: time-limit policies and the holiday years the admin entered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, TimestampMixin


class SlaPolicy(TimestampMixin, Base):
    """Time limits for one severity (optionally one category or source kind), and how the case is handled.

    Each limit in ``limits`` is ``{"amount", "unit"}`` or absent; ``extension`` is the default extension.
    """

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    severity: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    source_kind: Mapped[str | None] = mapped_column(String(40))
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sign_off_required: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_approver: Mapped[str] = mapped_column(String(20), default="head")
    max_extensions: Mapped[int | None] = mapped_column(Integer)
    remind_fraction: Mapped[float] = mapped_column(Float, default=0.75)
    overdue_grace_minutes: Mapped[int] = mapped_column(Integer, default=60)
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False)


class HolidayYear(TimestampMixin, Base):
    """A year's official holiday arrangement entered by the admin; it replaces the library for that year.

    ``days`` lists only the exceptions: ``[{"date": "2027-10-01", "workday": false, "name": "国庆节"}, ...]``;
    every other weekday is a working day and every other weekend day a rest day.
    """

    __tablename__ = "holiday_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    days: Mapped[list[Any]] = mapped_column(default=list)
    notice: Mapped[str] = mapped_column(Text, default="")
    # The notice's text as pasted (``muqing sla import-notice``), kept to show where the days came from.
    notice_text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
