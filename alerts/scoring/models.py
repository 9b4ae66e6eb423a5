"""Scoring tables: the policy's versions (each save is a new version) and the periods published (frozen)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, User
from core.timeutil import utcnow


class ScoringPolicy(Base):
    """One version of the scoring policy (考核赋分细则) as data; the newest version is the one in force."""

    __tablename__ = "scoring_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


class ScorePeriod(Base):
    """A published period (``2026-10`` or ``2026``): its score sheets as they were, never recounted."""

    __tablename__ = "score_period"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    policy_version: Mapped[int] = mapped_column(Integer)
    sheets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    published_by: Mapped[User | None] = relationship()
