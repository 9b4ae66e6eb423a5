"""The register's rules: step dates in order and not in the future, outcomes consistent with the steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.disclosure.format import OUTCOMES, code_of, reason_of
from core.errors import InvalidInput
from core.timeutil import local_zone


def aware(value: datetime | None) -> datetime | None:
    """A time without a zone is taken as the office's local time."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=local_zone())


@dataclass(slots=True)
class Dates:
    """The dates of a request's steps, checked against each other and against now."""

    received_at: datetime
    correction_requested_at: datetime | None = None
    correction_received_at: datetime | None = None
    extended_at: datetime | None = None
    answered_at: datetime | None = None

    def check(self, *, now: datetime) -> None:
        """Refuse a step dated in the future or before the step it follows, naming the field."""
        for name in ("received_at", "correction_requested_at", "correction_received_at", "extended_at", "answered_at"):
            value = getattr(self, name)
            if value is not None and value > now:
                raise InvalidInput("日期不能晚于现在", details={"field": name})
        _after(self.correction_requested_at, self.received_at, "correction_requested_at", "收到申请")
        if self.correction_received_at is not None and self.correction_requested_at is None:
            raise InvalidInput("未告知补正，不能登记收到补正", details={"field": "correction_received_at"})
        _after(self.correction_received_at, self.correction_requested_at, "correction_received_at", "告知补正")
        start = self.correction_received_at or self.received_at
        if self.extended_at is not None and self.correction_requested_at and not self.correction_received_at:
            raise InvalidInput("等待补正期间答复期限中止，不能延期", details={"field": "extended_at"})
        _after(self.extended_at, start, "extended_at", "答复期限起算")
        _after(self.answered_at, self.received_at, "answered_at", "收到申请")
        _after(self.answered_at, self.correction_received_at, "answered_at", "收到补正")
        _after(self.answered_at, self.correction_requested_at, "answered_at", "告知补正")


def _after(value: datetime | None, earlier: datetime | None, field: str, what: str) -> None:
    if value is not None and earlier is not None and value < earlier:
        raise InvalidInput(f"日期不能早于{what}", details={"field": field})


def check_outcome(dates: Dates, outcome: str | None, reason: str | None) -> tuple[str | None, str | None]:
    """The outcome and reason codes, consistent with the dates (an answer needs both a date and an outcome)."""
    if dates.answered_at is None:
        if outcome:
            raise InvalidInput("填写了办理结果，请同时填写答复日期", details={"field": "answered_at"})
        return None, None
    code = code_of(outcome, OUTCOMES, field="outcome", what="办理结果")
    why = reason_of(code, reason)
    if (code, why) == ("other", "no_correction") and (
        dates.correction_requested_at is None or dates.correction_received_at is not None
    ):
        raise InvalidInput("「逾期不补正」须已告知补正且未收到补正", details={"field": "reason"})
    if (code, why) == ("unavailable", "unclear") and dates.correction_received_at is None:
        raise InvalidInput("「补正后申请内容仍不明确」须已收到补正", details={"field": "reason"})
    return code, why
