"""Roster tables: the duty roster (值班表) and handover notes (交接班记录)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit_log import watch
from core.models import Base, TimestampMixin, User
from core.timeutil import to_local, utcnow


class DutyShift(TimestampMixin, Base):
    """One shift of the duty roster (值班表): a person, a backup and, on holidays, a leader in charge (带班领导)."""

    __tablename__ = "duty_shift"
    __table_args__ = (Index("ix_duty_shift_span", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    backup_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # regular | holiday
    kind: Mapped[str] = mapped_column(String(20), default="regular")
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    backup_user: Mapped[User | None] = relationship(foreign_keys=[backup_user_id])
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])


class Handover(Base):
    """A handover note (交接班记录): what the outgoing officer passes on, with the open cases at that moment."""

    __tablename__ = "duty_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("duty_shift.id", ondelete="SET NULL"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    open_alert_ids: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime | None]

    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id])


# Admin changes of the roster are logged wherever they are made (core.audit_log).
watch(DutyShift, entity="duty_shift", name=lambda shift: f"{to_local(shift.starts_at):%Y-%m-%d %H:%M} 值班")
# A handover (written, then confirmed by the incoming officer) is logged like the shifts it passes between.
watch(Handover, entity="duty_handover", name=lambda handover: f"{to_local(handover.at):%Y-%m-%d %H:%M} 交接班")
