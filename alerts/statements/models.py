"""Approved statements (口径), their policy documents, and the admin-maintained word lists of the checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, TimestampMixin, User


class Statement(TimestampMixin, Base):
    """One approved wording (口径) for a category and topic, valid over a span of days."""

    __tablename__ = "statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    wording: Mapped[str] = mapped_column(Text)
    # Words that tie a case to this statement (a farm kind, a disease, a subsidy's name).
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    approved_by: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    documents: Mapped[list[StatementDocument]] = relationship(
        back_populates="statement", order_by="StatementDocument.id", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    def expired_on(self, day: date) -> bool:
        """True when the statement is no longer valid on ``day``."""
        return self.valid_until is not None and self.valid_until < day

    def valid_on(self, day: date) -> bool:
        """True when the statement may be used on ``day`` (started and not expired)."""
        return self.valid_from <= day and not self.expired_on(day)


class StatementDocument(Base):
    """A policy document a statement rests on: title, number (文号) and a link."""

    __tablename__ = "statement_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(100), default="")
    link: Mapped[str | None] = mapped_column(String(2048))

    statement: Mapped[Statement] = relationship(back_populates="documents")


class CheckTerm(TimestampMixin, Base):
    """One entry of a word list the checks use (confidential, political, misused, promise, allowed)."""

    __tablename__ = "check_term"
    __table_args__ = (UniqueConstraint("list", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list: Mapped[str] = mapped_column(String(20), index=True)
    term: Mapped[str] = mapped_column(String(100))
    # For a misused word: the right form.
    suggestion: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Shipped with the default lists: it can be switched off but not deleted, so re-seeding never revives it.
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
