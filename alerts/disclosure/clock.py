"""The statutory answer deadline of a request (条例 第三十三条): 20 working days from receipt, 20 more when an
extension was approved; a request to correct (补正) stops the clock, which starts again from the day the
correction is received (第三十条). Counted on the system's working-day calendar (``WorkCalendar.add``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.disclosure.models import DisclosureRequest
from alerts.sla.calendar import Limit, WorkCalendar
from core.errors import ConfigurationError
from core.timeutil import to_local

ANSWER_LIMIT = Limit(amount=20, unit="working_days")
EXTENSION_LIMIT = Limit(amount=20, unit="working_days")


@dataclass(frozen=True, slots=True)
class Due:
    """The answer deadline (None while the clock is stopped or cannot be counted) and why."""

    due: datetime | None
    note: str = ""


def clock_start(entry: DisclosureRequest) -> datetime:
    """Where the 20 working days count from: the receipt, or the receipt of the correction."""
    return entry.correction_received_at or entry.received_at


def paused(entry: DisclosureRequest) -> bool:
    """True while a correction was asked for and has not come back (and no answer was given)."""
    return (
        entry.correction_requested_at is not None and entry.correction_received_at is None and entry.answered_at is None
    )


def statutory_due(calendar: WorkCalendar, entry: DisclosureRequest) -> Due:
    """The request's answer deadline on ``calendar``."""
    if paused(entry):
        return Due(None, "等待申请人补正，答复期限中止计算")
    try:
        due = calendar.add(clock_start(entry), ANSWER_LIMIT, [])
        if entry.extended_at is not None:
            due = calendar.add(due, EXTENSION_LIMIT, [])
    except ConfigurationError as exc:
        return Due(None, exc.message)
    note = "自收到补正之日起计算" if entry.correction_received_at is not None else ""
    if entry.extended_at is not None:
        note = "，".join(part for part in (note, "已延期20个工作日") if part)
    return Due(due, note)


def on_time(entry: DisclosureRequest, due: Due) -> bool | None:
    """Whether the answer went out by the deadline's day (None: not answered, or no deadline)."""
    if entry.answered_at is None or due.due is None:
        return None
    answered, deadline = to_local(entry.answered_at), to_local(due.due)
    assert answered is not None and deadline is not None
    return answered.date() <= deadline.date()
