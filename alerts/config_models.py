"""Workflow settings an admin maintains, as data (holiday years and SLA policies are in ``alerts.sla.models``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, TimestampMixin


class AlertSetting(TimestampMixin, Base):
    """One named group of workflow settings (e.g. ``grouping``, ``reminders``) as data."""

    __tablename__ = "alert_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
