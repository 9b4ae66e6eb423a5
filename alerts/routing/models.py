"""Routing tables: the rules, as data, that send a case to a section."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Section, TimestampMixin


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
