"""Tables an admin maintains for the alert workflow: holiday years and workflow settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, TimestampMixin


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


class AlertSetting(TimestampMixin, Base):
    """One named group of workflow settings (e.g. ``grouping``, ``reminders``) as data."""

    __tablename__ = "alert_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
