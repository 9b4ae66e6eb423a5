"""Deadlines: SLA limits on a working-day calendar (national holidays and make-up days) and office hours."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from core.errors import ConfigurationError, InvalidInput

Unit = Literal["minutes", "hours", "working_hours", "working_days"]
UNITS: tuple[str, ...] = ("minutes", "hours", "working_hours", "working_days")
UNIT_LABELS = {"minutes": "分钟", "hours": "小时（自然时）", "working_hours": "个工作小时", "working_days": "个工作日"}
LIMIT_NAMES = ("ack", "response", "close")
LIMIT_LABELS = {"ack": "签收", "response": "首次公开回应", "close": "办结"}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class Limit:
    """One time limit, e.g. 5 working days."""

    amount: float
    unit: Unit

    @classmethod
    def parse(cls, value: Mapping[str, Any]) -> Limit:
        """A limit from its data form ``{"amount": 5, "unit": "working_days"}``."""
        unit = value.get("unit")
        amount = value.get("amount")
        if unit not in UNITS:
            raise InvalidInput(f"时限单位 {unit!r} 无效，应为 {', '.join(UNITS)}", details={"field": "unit"})
        if not isinstance(amount, int | float) or amount <= 0:
            raise InvalidInput(f"时限数值 {amount!r} 无效，应为正数", details={"field": "amount"})
        if unit == "working_days" and int(amount) != amount:
            raise InvalidInput("工作日时限必须是整数", details={"field": "amount"})
        return cls(amount=float(amount), unit=unit)

    def describe(self) -> str:
        """The limit in words, e.g. ``5个工作日``."""
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount}{UNIT_LABELS[self.unit]}"


@dataclass(frozen=True, slots=True)
class DayNote:
    """A day the clock skipped or counted specially, and why."""

    day: date
    reason: str


@dataclass(slots=True)
class DeadlineExplanation:
    """A deadline with the days it skipped and the rule used."""

    name: str
    limit: Limit
    due: datetime
    notes: list[DayNote] = field(default_factory=list)


def parse_office_hours(spec: str) -> list[tuple[time, time]]:
    """``"08:30-12:00,13:30-17:30"`` → [(08:30, 12:00), (13:30, 17:30)], validated and ordered."""
    intervals: list[tuple[time, time]] = []
    try:
        for part in spec.split(","):
            start_text, end_text = part.strip().split("-")
            start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
            if end <= start:
                raise ValueError(part)
            intervals.append((start, end))
    except ValueError as exc:
        raise ConfigurationError(f"办公时间设置 {spec!r} 无法解析，应形如 08:30-12:00,13:30-17:30") from exc
    intervals.sort()
    for (_, end), (next_start, _) in itertools.pairwise(intervals):
        if next_start < end:
            raise ConfigurationError(f"办公时间设置 {spec!r} 的时段相互重叠")
    return intervals


class WorkCalendar:
    """Working days from the national calendar (with 调休), overridable per year by the admin."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        office_hours: list[tuple[time, time]],
        admin_years: Mapping[int, Mapping[date, tuple[bool, str]]] | None = None,
    ):
        self.zone = zone
        self.office_hours = office_hours
        # Years the admin entered override the library entirely: a year is one official notice.
        self.admin_years = admin_years or {}

    def is_workday(self, day: date) -> bool:
        """True when ``day`` is a working day (make-up weekend days count, holiday weekdays do not)."""
        return self.describe_day(day)[0]

    def describe_day(self, day: date) -> tuple[bool, str]:
        """(is working day, why) for ``day``."""
        if day.year in self.admin_years:
            entry = self.admin_years[day.year].get(day)
            if entry is not None:
                return entry
            weekday = day.weekday() < 5
            return weekday, "工作日" if weekday else "周末"
        try:
            workday = chinese_calendar.is_workday(day)
            _, holiday = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError as exc:
            raise ConfigurationError(
                f"节假日日历未覆盖 {day.year} 年，无法计算工作日时限；请管理员录入 {day.year} 年的官方放假安排",
                details={"year": day.year},
            ) from exc
        weekend = day.weekday() >= 5
        name = _holiday_name(holiday)
        if workday:
            return True, f"{name}调休上班" if weekend else "工作日"
        if name and not weekend:
            return False, f"{name}假期"
        if name:
            return False, f"{name}假期（周末）"
        return False, "周末"

    def close_of_business(self, day: date) -> datetime:
        """The end of office hours on ``day``."""
        return datetime.combine(day, self.office_hours[-1][1], tzinfo=self.zone)

    def add_working_days(self, start: datetime, days: int, notes: list[DayNote]) -> datetime:
        """End of office hours on the ``days``-th working day after the start day (not counted)."""
        day = start.astimezone(self.zone).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            workday, reason = self.describe_day(day)
            if workday:
                counted += 1
                if reason != "工作日":
                    notes.append(DayNote(day, f"计入：{reason}"))
            else:
                notes.append(DayNote(day, f"跳过：{reason}"))
        return self.close_of_business(day)

    def add_working_hours(self, start: datetime, hours: float, notes: list[DayNote]) -> datetime:
        """``hours`` counted only inside office hours, from the start or the next opening."""
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(self.zone)
        day = cursor.date()
        for _ in range(3660):
            workday, reason = self.describe_day(day)
            if not workday:
                notes.append(DayNote(day, f"跳过：{reason}"))
            else:
                for open_at, close_at in self.office_hours:
                    window_start = max(cursor, datetime.combine(day, open_at, tzinfo=self.zone))
                    window_end = datetime.combine(day, close_at, tzinfo=self.zone)
                    if window_start >= window_end:
                        continue
                    available = window_end - window_start
                    if remaining <= available:
                        return window_start + remaining
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), tzinfo=self.zone)
        raise ConfigurationError("十年内找不到足够的办公时间，请检查办公时间和日历设置")

    def add(self, start: datetime, limit: Limit, notes: list[DayNote]) -> datetime:
        """The deadline ``limit`` after ``start``."""
        if start.tzinfo is None:
            raise InvalidInput("开始时间必须带时区", details={"field": "start"})
        if limit.unit == "minutes":
            return start + timedelta(minutes=limit.amount)
        if limit.unit == "hours":
            return start + timedelta(hours=limit.amount)
        if limit.unit == "working_hours":
            return self.add_working_hours(start, limit.amount, notes)
        return self.add_working_days(start, int(limit.amount), notes)


def _holiday_name(holiday: Any) -> str:
    if holiday is None:
        return ""
    for member in chinese_calendar.Holiday:
        if member.value == holiday:
            return str(member.chinese)
    return str(holiday)


@dataclass(slots=True)
class Deadlines:
    """The deadlines of one case; a limit the policy does not set is None."""

    ack_due: datetime | None
    response_due: datetime | None
    close_due: datetime | None
    explanations: list[DeadlineExplanation]


def compute_deadlines(
    *, calendar: WorkCalendar, limits: Mapping[str, Mapping[str, Any] | None], start: datetime
) -> Deadlines:
    """Each limit of a policy (``ack``, ``response``, ``close``) applied to ``start``."""
    due: dict[str, datetime | None] = dict.fromkeys(LIMIT_NAMES)
    explanations: list[DeadlineExplanation] = []
    for name in LIMIT_NAMES:
        spec = limits.get(name)
        if not spec:
            continue
        limit = Limit.parse(spec)
        notes: list[DayNote] = []
        due[name] = calendar.add(start, limit, notes)
        explanations.append(DeadlineExplanation(name=name, limit=limit, due=due[name], notes=notes))  # type: ignore[arg-type]
    return Deadlines(
        ack_due=due["ack"], response_due=due["response"], close_due=due["close"], explanations=explanations
    )


def format_local(value: datetime, zone: ZoneInfo) -> str:
    """``2025-10-09 17:30（周四）`` in the users' zone."""
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M}（周{WEEKDAYS[local.weekday()]}）"
