"""Inputs and outputs of what an admin maintains for deadlines: SLA policies, holiday years, explanations."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from alerts.cases.schemas import PolicySeverityText
from core.bounds import MAX_LIMIT_AMOUNT
from core.schemas import LocalDatetime, ORMModel

Unit = Literal["minutes", "hours", "working_hours", "working_days"]


class LimitIn(BaseModel):
    """One time limit."""

    amount: float = Field(gt=0, le=MAX_LIMIT_AMOUNT)
    unit: Unit


class PolicyIn(BaseModel):
    """An SLA policy."""

    name: str = Field(min_length=1, max_length=100)
    severity: PolicySeverityText
    category: str | None = None
    source_kind: str | None = None
    limits: dict[Literal["ack", "response", "close", "extension"], LimitIn]
    enabled: bool = True
    sign_off_required: bool = False
    extension_approver: Literal["head", "leader"] = "head"
    max_extensions: int | None = Field(default=None, ge=0, le=100)
    remind_fraction: float = Field(default=0.75, gt=0, lt=1)
    overdue_grace_minutes: int = Field(default=60, ge=0, le=60 * 24 * 30)
    quiet_hours: bool = False


class PolicyOut(ORMModel):
    """An SLA policy as shown."""

    id: int
    name: str
    severity: str
    category: str | None
    source_kind: str | None
    limits: dict[str, Any]
    enabled: bool
    sign_off_required: bool
    extension_approver: str
    max_extensions: int | None
    remind_fraction: float
    overdue_grace_minutes: int
    quiet_hours: bool


class HolidayDayIn(BaseModel):
    """One exception day of a year's official arrangement."""

    date: date
    workday: bool
    name: str = Field(default="", max_length=40, description="e.g. 国庆节; on a workday: the holiday it makes up for")


class HolidayYearIn(BaseModel):
    """A year's official arrangement as the admin enters it from the State Council notice."""

    notice: str = Field(default="", max_length=500, description="the notice it comes from")
    days: list[HolidayDayIn]


class HolidayYearOut(BaseModel):
    """A year's calendar: where it comes from and its exception days (``missing``: the provisional calendar's
    statutory days off, until the official arrangement is entered)."""

    year: int
    source: Literal["admin", "library", "missing"]
    provisional: bool
    notice: str
    days: list[HolidayDayIn]


class NoticeIn(BaseModel):
    """The text of 国务院办公厅关于YYYY年部分节假日安排的通知 as published."""

    text: str = Field(min_length=1, max_length=20000)
    replace: bool = Field(default=False, description="replace a year already entered or in the library")
    dry_run: bool = Field(default=False, description="read and compare only; save nothing")


class DayStatusOut(BaseModel):
    """A day's status on one calendar."""

    workday: bool
    reason: str


class DayChangeOut(BaseModel):
    """A day whose status the notice changes."""

    date: date
    before: DayStatusOut
    after: DayStatusOut


class NoticeOut(BaseModel):
    """A notice read: its days, how they differ from the provisional and the current calendar, what was saved."""

    year: int
    title: str
    source: Literal["admin", "library", "missing"] = Field(description="where the year came from before")
    days: list[HolidayDayIn]
    from_provisional: list[DayChangeOut]
    from_current: list[DayChangeOut]
    saved: bool
    recomputed: int = Field(description="open cases whose deadlines changed")


class DayOut(BaseModel):
    """One day of the working calendar; the reason of a provisional calendar's holiday ends in （暂定）."""

    date: date
    workday: bool
    reason: str


class DeadlineExplainOut(BaseModel):
    """One deadline and how it was reached.

    ``provisional_years``: years without an official arrangement it relied on; ``held_to``: the earlier step
    whose due time it took because the policy would have made it due first (``policy_due``).
    """

    name: str
    label: str
    limit: str
    due: LocalDatetime
    provisional: bool
    provisional_years: list[int]
    held_to: str | None = None
    policy_due: LocalDatetime | None = None
    notes: list[DayOut]


class ExplainOut(BaseModel):
    """Deadlines of a policy from a start, with the days skipped and why."""

    severity: str
    policy: str
    start: LocalDatetime
    ack_due: LocalDatetime | None = None
    response_due: LocalDatetime | None = None
    close_due: LocalDatetime | None = None
    extended_close_due: LocalDatetime | None = None
    provisional: bool = Field(
        description="true when any of ack_due, response_due, close_due relies on a provisional year"
    )
    provisional_years: list[int]
    deadlines: list[DeadlineExplainOut]
