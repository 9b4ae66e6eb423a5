"""Holiday years and deadline explanations: what the admin enters, what the library covers, ``sla explain``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerts.cases.lifecycle import LIVE_STATUSES, POLICY_SEVERITIES
from alerts.cases.models import Alert
from alerts.defaults import load_defaults
from alerts.sla.calendar import (
    Deadlines,
    Limit,
    WorkCalendar,
    compute_deadlines,
    entered_days,
    out_of_range,
    provisional_day,
)
from alerts.sla.deadlines import recompute_deadlines
from alerts.sla.models import HolidayYear
from alerts.sla.notice import Notice, parse_notice
from alerts.sla.service import policy_for, work_calendar
from alerts.sla.statutory import in_range, library_covers, statutory_days
from core.errors import ConfigurationError, Conflict, InvalidInput, NotFound
from core.models import User

log = logging.getLogger(__name__)


def check_year(year: int, field: str = "year") -> None:
    """Refuse a year the working-day calendar cannot compute."""
    if not in_range(year):
        raise out_of_range(year, field)


def provisional_days(year: int) -> list[dict[str, Any]]:
    """The provisional calendar's days off of ``year`` (statutory holidays only, no make-up days)."""
    return [{"date": day.isoformat(), "workday": False, "name": name} for day, name in statutory_days(year).items()]


def library_days(year: int) -> list[dict[str, Any]]:
    """The exception days of a year the library covers: weekday holidays and weekend make-up days."""
    calendar = WorkCalendar(zone=work_calendar().zone, office_hours=work_calendar().office_hours)
    days: list[dict[str, Any]] = []
    day = date(year, 1, 1)
    while day.year == year:
        workday, reason = calendar.describe_day(day)
        if workday != (day.weekday() < 5):
            name = reason.replace("调休上班", "").replace("假期（周末）", "").replace("假期", "")
            days.append({"date": day.isoformat(), "workday": workday, "name": name})
        day += timedelta(days=1)
    return days


def get_year(session: Session, *, year: int) -> tuple[str, str, list[dict[str, Any]]]:
    """(source, notice, days) of ``year``: the admin's entry wins over the library; a ``missing`` year's
    days are the provisional calendar's statutory days off."""
    check_year(year)
    row = session.get(HolidayYear, year)
    if row is not None:
        return "admin", row.notice, sorted(row.days, key=lambda d: d["date"])
    if library_covers(year):
        return "library", "", library_days(year)
    return "missing", "", provisional_days(year)


def list_years(session: Session | None, *, around: int) -> list[tuple[int, str]]:
    """Coverage of the years near ``around`` and every admin-entered year: (year, source)."""
    check_year(around, "around")
    admin = set(session.scalars(select(HolidayYear.year))) if session is not None else set()
    years = sorted(admin | {year for year in range(around - 2, around + 3) if in_range(year)})
    return [(year, "admin" if year in admin else "library" if library_covers(year) else "missing") for year in years]


def _clean_days(year: int, days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    clean = []
    for entry in days:
        day = entry["date"] if isinstance(entry["date"], date) else date.fromisoformat(str(entry["date"]))
        if day.year != year:
            raise InvalidInput(f"{day.isoformat()} 不在 {year} 年内", details={"field": "days"})
        if day.isoformat() in seen:
            raise InvalidInput(f"{day.isoformat()} 重复", details={"field": "days"})
        seen.add(day.isoformat())
        clean.append({"date": day.isoformat(), "workday": bool(entry["workday"]), "name": entry.get("name", "")})
    if not any(not d["workday"] for d in clean):
        raise InvalidInput("请至少录入一个放假日（按国务院办公厅通知）", details={"field": "days"})
    return sorted(clean, key=lambda d: d["date"])


@dataclass(frozen=True, slots=True)
class DayChange:
    """A day whose status differs between two calendars of a year: (working day, why) before and after."""

    day: date
    before: tuple[bool, str]
    after: tuple[bool, str]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayChange:
        """A change back from its JSON-ready data."""
        before, after = data["before"], data["after"]
        return cls(
            date.fromisoformat(data["date"]),
            (bool(before["workday"]), str(before["reason"])),
            (bool(after["workday"]), str(after["reason"])),
        )

    def as_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {
            "date": self.day.isoformat(),
            "before": {"workday": self.before[0], "reason": self.before[1]},
            "after": {"workday": self.after[0], "reason": self.after[1]},
        }


def _arrangement(year: int, days: list[dict[str, Any]]) -> WorkCalendar:
    base = work_calendar()
    return WorkCalendar(zone=base.zone, office_hours=base.office_hours, admin_years={year: entered_days(days)})


def _changes(year: int, before: Callable[[date], tuple[bool, str]], after: WorkCalendar) -> list[DayChange]:
    changes = []
    day = date(year, 1, 1)
    while day.year == year:
        old, new = before(day), after.describe_day(day)
        if old[0] != new[0]:
            changes.append(DayChange(day, old, new))
        day += timedelta(days=1)
    return changes


def year_differences(
    session: Session | None, *, year: int, days: list[dict[str, Any]]
) -> tuple[str, list[DayChange], list[DayChange]]:
    """(the year's current source, days differing from the current calendar, days differing from the
    provisional calendar) if ``days`` became the year's arrangement."""
    check_year(year)
    clean = _clean_days(year, days)
    current = work_calendar(session) if session is not None else work_calendar()
    source = current.source(year)
    proposed = _arrangement(year, clean)
    from_current = [] if source == "provisional" else _changes(year, current.describe_day, proposed)
    return ("missing" if source == "provisional" else source), from_current, _changes(year, provisional_day, proposed)


def replace_refused(year: int, source: str, changes: list[DayChange]) -> Conflict:
    """The answer to entering a year that exists with different days, until the replacement is confirmed."""
    label = "管理员已录入" if source == "admin" else "内置节假日日历已有"
    listed = "；".join(f"{c.day.isoformat()} {c.before[1]}→{c.after[1]}" for c in changes[:10])
    more = f"等 {len(changes)} 天" if len(changes) > 10 else f"共 {len(changes)} 天"
    return Conflict(
        f"{label} {year} 年的放假安排，与新录入的安排有 {len(changes)} 天不同（{listed}，{more}）；确认替换后才会保存",
        details={"year": year, "source": source, "differences": [c.as_dict() for c in changes]},
    )


def save_year(
    session: Session,
    *,
    year: int,
    days: list[dict[str, Any]],
    notice: str,
    user: User | None,
    notice_text: str = "",
    replace: bool = True,
) -> int:
    """Store a year's official arrangement and recompute the open cases whose deadlines counted its days.

    With ``replace`` False, a year that exists (entered, or in the library) with different days is refused
    with the differences (Conflict). Returns how many cases' deadlines changed.
    """
    clean = _clean_days(year, days)
    if not replace:
        source, from_current, _ = year_differences(session, year=year, days=clean)
        if from_current:
            raise replace_refused(year, source, from_current)
    row = session.get(HolidayYear, year)
    if row is None:
        row = HolidayYear(year=year)
        session.add(row)
    row.days = clean
    row.notice = notice
    row.notice_text = notice_text
    row.updated_by_id = user.id if user is not None else None
    session.flush()
    return recompute_deadlines(session, years=[year], actor=user)


@dataclass(slots=True)
class NoticeImport:
    """A notice read, how it differs from the provisional and the current calendar, and what saving did."""

    notice: Notice
    source: str
    from_current: list[DayChange]
    from_provisional: list[DayChange]
    saved: bool = False
    recomputed: int = 0


def preview_notice(session: Session | None, *, text: str) -> NoticeImport:
    """Read a notice and compare it with the year's calendars; nothing is saved."""
    notice = parse_notice(text)
    source, from_current, from_provisional = year_differences(session, year=notice.year, days=notice.as_days())
    return NoticeImport(notice, source, from_current, from_provisional)


def import_notice(session: Session, *, text: str, user: User | None, replace: bool = False) -> NoticeImport:
    """Read a notice and store its year (a year that exists with other days needs ``replace``)."""
    result = preview_notice(session, text=text)
    notice = result.notice
    if result.from_current and not replace:
        raise replace_refused(notice.year, result.source, result.from_current)
    result.recomputed = save_year(
        session,
        year=notice.year,
        days=notice.as_days(),
        notice=notice.title,
        user=user,
        notice_text=text,
        replace=True,
    )
    result.saved = True
    return result


def delete_year(session: Session, *, year: int, user: User | None = None) -> None:
    """Remove the admin's entry for ``year`` (the library, else the provisional calendar, applies again)."""
    row = session.get(HolidayYear, year)
    if row is None:
        raise NotFound(f"{year} 年没有管理员录入的放假安排")
    session.delete(row)
    session.flush()
    recompute_deadlines(session, years=[year], actor=user)


def missing_years(session: Session, *, today: date, days_ahead: int = 60) -> list[int]:
    """Years without an official arrangement that matter now: a live case's deadline relied on one, or the
    coming ``days_ahead`` days fall in one (the admin is asked to enter them)."""
    calendar = work_calendar(session)
    live = [status.value for status in LIVE_STATUSES]
    relied = session.scalars(
        select(Alert.provisional_deadlines).where(Alert.deadlines_provisional.is_(True), Alert.status.in_(live))
    )
    years = {int(year) for marks in relied for values in (marks or {}).values() for year in values}
    years |= set(range(today.year, (today + timedelta(days=days_ahead)).year + 1))
    return sorted(year for year in years if in_range(year) and calendar.is_provisional(year))


@dataclass(slots=True)
class Explanation:
    """The deadlines of a policy from a start, and where the policy came from."""

    severity: str
    policy_name: str
    from_database: bool
    limits: dict[str, Any]
    deadlines: Deadlines
    extended_close_due: datetime | None
    extension_provisional_years: list[int]

    @property
    def provisional_years(self) -> list[int]:
        """The years without an official arrangement any printed deadline relied on."""
        return sorted(set(self.deadlines.provisional_years) | set(self.extension_provisional_years))

    @property
    def provisional(self) -> bool:
        """True when any printed deadline relied on a provisional year."""
        return bool(self.provisional_years)


def _policy_limits(
    session: Session | None, *, severity: str, category: str | None, source_kind: str | None
) -> tuple[str, dict[str, Any], bool]:
    if session is not None:
        try:
            policy = policy_for(session, severity=severity, category=category, source_kind=source_kind)
            return policy.name, dict(policy.limits), True
        except ConfigurationError:
            pass
        except SQLAlchemyError as exc:
            log.info("SLA policies not readable from the database (%s); using the defaults", type(exc).__name__)
            session.rollback()
    for policy in load_defaults().get("sla_policies", []):
        if policy["severity"] == severity and not policy.get("category") and not policy.get("source_kind"):
            return policy["name"], dict(policy["limits"]), False
    raise ConfigurationError(f"没有「{severity}」级别的时限政策", details={"severity": severity})


def explain(
    *,
    severity: str,
    start: datetime,
    category: str | None = None,
    source_kind: str | None = None,
    session: Session | None = None,
) -> Explanation:
    """Each deadline of the policy for ``severity`` from ``start``, with the days it skipped and why."""
    if severity not in POLICY_SEVERITIES:
        raise InvalidInput(
            f"级别「{severity}」无效，应为 {'、'.join(POLICY_SEVERITIES)}", details={"field": "severity"}
        )
    if start.tzinfo is None:
        start = start.replace(tzinfo=work_calendar().zone)
    name, limits, from_db = _policy_limits(session, severity=severity, category=category, source_kind=source_kind)
    calendar = work_calendar()
    if session is not None:
        try:
            calendar = work_calendar(session)
        except SQLAlchemyError:
            session.rollback()
    deadlines = compute_deadlines(calendar=calendar, limits=limits, start=start)
    extended, extension_years = None, []
    if deadlines.close_due is not None and limits.get("extension"):
        extension = Limit.parse(limits["extension"])
        extended = calendar.add(deadlines.close_due, extension, [])
        extension_years = calendar.provisional_years(deadlines.close_due, extended, extension.unit)
        close_years = deadlines.provisional.get("close", [])
        extension_years = sorted(set(extension_years) | set(close_years))
    return Explanation(
        severity=severity,
        policy_name=name,
        from_database=from_db,
        limits=limits,
        deadlines=deadlines,
        extended_close_due=extended,
        extension_provisional_years=extension_years,
    )
