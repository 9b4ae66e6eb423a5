"""Tables of the district: places with their aliases, lexicon terms, and a revision readers cache on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, TimestampMixin
from core.timeutil import utcnow

PLACE_KINDS = ("district", "town", "village", "landmark", "farm")


class Place(TimestampMixin, Base):
    """A named place of the district: the district itself, a town or street, a village, a landmark or a farm.

    Villages, landmarks and farms belong to a town (``parent_id``); naming one implies its town.
    """

    __tablename__ = "place"
    __table_args__ = (
        UniqueConstraint("kind", "parent_id", "name", name="uq_place_kind_parent_name"),
        Index("ix_place_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # As written in official lists: 区, 街道, 镇, 乡, 村, 社区, 地标, 养殖场 …
    type: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    # The statistical division code (统计用区划代码) where the place has one.
    code: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LexiconTerm(Base):
    """One term of the livestock lexicon in a group (species, husbandry … traps, urgent)."""

    __tablename__ = "lexicon_term"
    __table_args__ = (UniqueConstraint("group", "term", name="uq_lexicon_term_group_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group: Mapped[str] = mapped_column(String(40))
    term: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DistrictRevision(Base):
    """A counter each change of places or lexicon raises, so every process knows when to read them again."""

    __tablename__ = "district_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    places: Mapped[int] = mapped_column(Integer, default=0)
    lexicon: Mapped[int] = mapped_column(Integer, default=0)
