"""Roster inputs and outputs: shifts, rotations, who is on duty, handovers."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, Field

from alerts.cases.schemas import UserRef
from core.bounds import CalendarDate, CalendarDateTime, RowId
from core.schemas import LocalDatetime, ORMModel


class ShiftIn(BaseModel):
    """A duty shift."""

    starts_at: CalendarDateTime
    ends_at: CalendarDateTime
    user_id: RowId
    backup_user_id: RowId | None = None
    leader_id: RowId | None = Field(default=None, description="leader in charge (带班领导), usually on holidays")
    kind: Literal["regular", "holiday"] | None = Field(default=None, description="default: holiday on rest days")
    note: str = Field(default="", max_length=2000)


class ShiftOut(ORMModel):
    """A duty shift as shown."""

    id: int
    starts_at: LocalDatetime
    ends_at: LocalDatetime
    kind: str
    note: str
    user: UserRef
    backup_user: UserRef | None
    leader: UserRef | None


class OnDutyOut(BaseModel):
    """Who is on duty at a moment."""

    at: LocalDatetime
    shift: ShiftOut | None
    user: UserRef | None
    backup: UserRef | None
    leader: UserRef | None


class RotationIn(BaseModel):
    """Generate daily shifts: people take turns; rest days become holiday shifts."""

    start: CalendarDate
    days: int = Field(ge=1, le=366)
    user_ids: list[RowId] = Field(min_length=1, max_length=200)
    backup_user_ids: list[RowId] = Field(default_factory=list, max_length=200)
    holiday_leader_ids: list[RowId] = Field(default_factory=list, max_length=200)
    handover_at: time = time(8, 30)


class HandoverIn(BaseModel):
    """A handover note (交接班记录)."""

    note: str = Field(min_length=1, max_length=10000)
    to_user_id: RowId | None = None


class HandoverOut(ORMModel):
    """A handover note as shown."""

    id: int
    at: LocalDatetime
    shift_id: int | None
    from_user: UserRef
    to_user: UserRef | None
    note: str
    open_alert_ids: list[int]
    received_at: LocalDatetime | None
