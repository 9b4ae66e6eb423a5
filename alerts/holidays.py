"""Holiday years and deadline explanations: what the admin enters, what the library covers, ``sla explain``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerts.cases.lifecycle import POLICY_SEVERITIES
from alerts.config_models import HolidayYear
from alerts.defaults import load_defaults
from alerts.service import policy_for, work_calendar
from alerts.sla import Deadlines, Limit, WorkCalendar, compute_deadlines
from core.errors import ConfigurationError, InvalidInput, NotFound
from core.models import User

log = logging.getLogger(__name__)


def library_covers(year: int) -> bool:
    """True when the holiday library knows ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


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
    """(source, notice, exception days) of ``year``: the admin's entry wins over the library."""
    row = session.get(HolidayYear, year)
    if row is not None:
        return "admin", row.notice, sorted(row.days, key=lambda d: d["date"])
    if library_covers(year):
        return "library", "", library_days(year)
    return "missing", "", []


def list_years(session: Session, *, around: int) -> list[tuple[int, str]]:
    """Coverage of the years near ``around`` and every admin-entered year: (year, source)."""
    admin = set(session.scalars(select(HolidayYear.year)))
    years = sorted(admin | set(range(around - 2, around + 3)))
    return [(year, "admin" if year in admin else "library" if library_covers(year) else "missing") for year in years]


def save_year(session: Session, *, year: int, days: list[dict[str, Any]], notice: str, user: User) -> HolidayYear:
    """Store a year's official arrangement; every day must fall in the year and say whether it is worked."""
    if not 2000 <= year <= 2200:
        raise InvalidInput("年份无效", details={"field": "year"})
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
    row = session.get(HolidayYear, year)
    if row is None:
        row = HolidayYear(year=year)
        session.add(row)
    row.days = sorted(clean, key=lambda d: d["date"])
    row.notice = notice
    row.updated_by_id = user.id
    session.flush()
    return row


def delete_year(session: Session, *, year: int) -> None:
    """Remove the admin's entry for ``year`` (the library applies again, if it covers the year)."""
    row = session.get(HolidayYear, year)
    if row is None:
        raise NotFound(f"{year} 年没有管理员录入的放假安排")
    session.delete(row)
    session.flush()


@dataclass(slots=True)
class Explanation:
    """The deadlines of a policy from a start, and where the policy came from."""

    severity: str
    policy_name: str
    from_database: bool
    limits: dict[str, Any]
    deadlines: Deadlines
    extended_close_due: datetime | None


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
    extended = None
    if deadlines.close_due is not None and limits.get("extension"):
        extended = calendar.add(deadlines.close_due, Limit.parse(limits["extension"]), [])
    return Explanation(
        severity=severity,
        policy_name=name,
        from_database=from_db,
        limits=limits,
        deadlines=deadlines,
        extended_close_due=extended,
    )
