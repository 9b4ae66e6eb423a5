"""Deadlines: SLA limits on a working-day calendar (national holidays and make-up days) and office hours."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from alerts.sla.statutory import FIRST_YEAR, LAST_YEAR, in_range, library_covers, statutory_days
from core.errors import ConfigurationError, InvalidInput

Unit = Literal["minutes", "hours", "working_hours", "working_days"]
UNITS: tuple[str, ...] = ("minutes", "hours", "working_hours", "working_days")
UNIT_LABELS = {"minutes": "分钟", "hours": "小时（自然时）", "working_hours": "个工作小时", "working_days": "个工作日"}
LIMIT_NAMES = ("ack", "response", "close")
LIMIT_LABELS = {"ack": "签收", "response": "首次公开回应", "close": "办结"}
WEEKDAYS = "一二三四五六日"
WORKING_UNITS = frozenset({"working_hours", "working_days"})
PROVISIONAL_MARK = "（暂定）"


class YearOutOfRange(InvalidInput):
    """A day outside the years the working-day calendar can compute; ``details["field"]`` names the input."""


FIELD_LABELS = {
    "start": "开始时间",
    "received_at": "收到时间",
    "year": "年份",
    "date": "日期",
    "end": "结束日期",
    "around": "年份",
}


def out_of_range(year: int, field: str) -> YearOutOfRange:
    """The error for a ``year`` the calendar cannot compute, naming the input ``field`` it came from."""
    label = FIELD_LABELS.get(field, field)
    return YearOutOfRange(
        f"{label}（{field}）：{year} 年超出工作日日历可计算的范围（{FIRST_YEAR}–{LAST_YEAR} 年）",
        details={"field": field, "year": year},
    )


def check_year(day: date, field: str) -> None:
    """Refuse a day the calendar cannot compute, naming the input ``field`` it came from."""
    if not in_range(day.year):
        raise out_of_range(day.year, field)


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
    """A deadline with the days it skipped, the rule used, the provisional years it relied on.

    ``held_to`` names the earlier step whose due time it took (a later step is never due first).
    """

    name: str
    limit: Limit
    due: datetime
    notes: list[DayNote] = field(default_factory=list)
    provisional_years: list[int] = field(default_factory=list)
    held_to: str | None = None
    policy_due: datetime | None = None


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


def entered_days(days: Iterable[Mapping[str, Any]]) -> dict[date, tuple[bool, str]]:
    """A year's entered exception days (``{"date", "workday", "name"}``) as (is working day, why) per day."""
    described: dict[date, tuple[bool, str]] = {}
    for entry in days:
        day = date.fromisoformat(str(entry["date"]))
        name = str(entry.get("name") or "")
        weekend = day.weekday() >= 5
        if entry.get("workday"):
            described[day] = (True, f"{name}调休上班" if weekend and name else "工作日")
        else:
            described[day] = (False, f"{name}假期" + ("（周末）" if weekend else "") if name else "休息日")
    return described


def provisional_day(day: date) -> tuple[bool, str]:
    """(is working day, why) of ``day`` on the provisional calendar: weekends and statutory days off."""
    check_year(day, "date")
    weekend = day.weekday() >= 5
    name = statutory_days(day.year).get(day)
    if name is None:
        return not weekend, "周末" if weekend else "工作日"
    return False, f"{name}假期{'（周末）' if weekend else ''}{PROVISIONAL_MARK}"


class WorkCalendar:
    """Working days: the admin's years, else the holiday library, else the provisional statutory calendar."""

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

    def source(self, year: int) -> Literal["admin", "library", "provisional"]:
        """Where ``year``'s days come from: an admin entry, the holiday library, or the provisional rules."""
        if year in self.admin_years:
            return "admin"
        return "library" if library_covers(year) else "provisional"

    def is_provisional(self, year: int) -> bool:
        """True when ``year`` has no official arrangement (its days are the provisional statutory ones)."""
        return self.source(year) == "provisional"

    def provisional_years(self, start: datetime, due: datetime, unit: str) -> list[int]:
        """The provisional years a deadline from ``start`` to ``due`` relied on (none for calendar time)."""
        if unit not in WORKING_UNITS:
            return []
        first, last = start.astimezone(self.zone).year, due.astimezone(self.zone).year
        return [year for year in range(first, last + 1) if self.is_provisional(year)]

    def is_workday(self, day: date) -> bool:
        """True when ``day`` is a working day (make-up weekend days count, holiday weekdays do not)."""
        return self.describe_day(day)[0]

    def describe_day(self, day: date) -> tuple[bool, str]:
        """(is working day, why) for ``day``; a provisional holiday's reason ends in （暂定）."""
        check_year(day, "date")
        weekend = day.weekday() >= 5
        if day.year in self.admin_years:
            entry = self.admin_years[day.year].get(day)
            if entry is not None:
                return entry
            return not weekend, "周末" if weekend else "工作日"
        if not library_covers(day.year):
            return provisional_day(day)
        workday = chinese_calendar.is_workday(day)
        _, holiday = chinese_calendar.get_holiday_detail(day)
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

    def add(self, start: datetime, limit: Limit, notes: list[DayNote], *, field: str = "start") -> datetime:
        """The deadline ``limit`` after ``start``; a year the calendar cannot compute names ``field``."""
        if start.tzinfo is None:
            raise InvalidInput("开始时间必须带时区", details={"field": field})
        if limit.unit == "minutes":
            return start + timedelta(minutes=limit.amount)
        if limit.unit == "hours":
            return start + timedelta(hours=limit.amount)
        try:
            check_year(start.astimezone(self.zone).date(), field)
            if limit.unit == "working_hours":
                return self.add_working_hours(start, limit.amount, notes)
            return self.add_working_days(start, int(limit.amount), notes)
        except YearOutOfRange as exc:
            raise out_of_range(int(exc.details["year"]), field) from exc


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

    @property
    def provisional(self) -> dict[str, list[int]]:
        """Per deadline that relied on a provisional year, those years."""
        return {e.name: e.provisional_years for e in self.explanations if e.provisional_years}

    @property
    def provisional_years(self) -> list[int]:
        """Every provisional year any deadline relied on."""
        return sorted({year for years in self.provisional.values() for year in years})


def keep_in_order(
    due: dict[str, datetime | None], provisional: dict[str, list[int]] | None = None, *, met: Collection[str] = ()
) -> dict[str, str]:
    """Move a later step due before an earlier one to the earlier one's due time; returns {later: earlier}.

    ``provisional`` (per deadline, the provisional years relied on) follows the time taken. Steps already
    ``met`` are neither moved nor hold a later one back (once signed for, the response clock is the policy's).
    """
    held: dict[str, str] = {}
    for position, name in enumerate(LIMIT_NAMES[1:], start=1):
        current = due.get(name)
        earlier = [
            (value, step) for step in LIMIT_NAMES[:position] if step not in met and (value := due.get(step)) is not None
        ]
        if name in met or current is None or not earlier:
            continue
        latest, step = max(earlier, key=lambda item: item[0])
        if current < latest:
            due[name] = latest
            held[name] = held.get(step, step)
            if provisional is not None:
                years = provisional.get(step, [])
                if years:
                    provisional[name] = list(years)
                else:
                    provisional.pop(name, None)
    return held


def compute_deadlines(
    *, calendar: WorkCalendar, limits: Mapping[str, Mapping[str, Any] | None], start: datetime, field: str = "start"
) -> Deadlines:
    """Each limit of a policy (``ack``, ``response``, ``close``) applied to ``start``, kept in order."""
    due: dict[str, datetime | None] = dict.fromkeys(LIMIT_NAMES)
    explanations: dict[str, DeadlineExplanation] = {}
    for name in LIMIT_NAMES:
        spec = limits.get(name)
        if not spec:
            continue
        limit = Limit.parse(spec)
        notes: list[DayNote] = []
        value = calendar.add(start, limit, notes, field=field)
        due[name] = value
        explanations[name] = DeadlineExplanation(
            name=name,
            limit=limit,
            due=value,
            notes=notes,
            provisional_years=calendar.provisional_years(start, value, limit.unit),
        )
    provisional = {name: e.provisional_years for name, e in explanations.items() if e.provisional_years}
    for name, step in keep_in_order(due, provisional).items():
        item = explanations[name]
        item.policy_due, item.held_to = item.due, step
        item.due = due[name] or item.due
        item.provisional_years = provisional.get(name, [])
    return Deadlines(
        ack_due=due["ack"],
        response_due=due["response"],
        close_due=due["close"],
        explanations=list(explanations.values()),
    )


def format_local(value: datetime, zone: ZoneInfo) -> str:
    """``2025-10-09 17:30（周四）`` in the users' zone."""
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M}（周{WEEKDAYS[local.weekday()]}）"
