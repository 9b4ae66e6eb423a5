"""Administration of the duty roster (值班表) as a month calendar (the holiday years are ``admin_holidays``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from alerts.roster import service as roster
from alerts.roster.models import DutyShift
from alerts.sla.calendar import WorkCalendar, YearOutOfRange
from alerts.sla.service import work_calendar
from core.bounds import RowId
from core.errors import ConfigurationError, InvalidInput, MuqingError
from core.models import User
from core.timeutil import local_zone, to_local
from core.types import Role
from web import figures
from web.deps import SessionDep
from web.pages import committing, done
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
PROVISIONAL_NOTE = "{year}年官方放假安排尚未录入，本月休息日按暂定日历（法定节假日，不含调休）显示"


@dataclass(slots=True)
class Day:
    """One cell of the roster calendar."""

    day: date
    in_month: bool
    workday: bool | None
    reason: str
    shifts: list[DutyShift] = field(default_factory=list)


def _month(value: str) -> date:
    if not value:
        return figures.today().replace(day=1)
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise InvalidInput("月份格式应为 2026-11", details={"field": "month"}) from exc


def _calendar(session: SessionDep) -> tuple[WorkCalendar, str]:
    try:
        return work_calendar(session), ""
    except ConfigurationError as exc:
        return work_calendar(), exc.message


def _weeks(session: SessionDep, first: date) -> tuple[list[list[Day]], list[str]]:
    """The weeks (Monday first) covering the month, each day with its shifts and working-day status."""
    start = first - timedelta(days=first.weekday())
    following = (first + timedelta(days=32)).replace(day=1)
    end = following + timedelta(days=(7 - following.weekday()) % 7)
    zone = local_zone()
    shifts = roster.list_shifts(
        session, start=datetime.combine(start, time(0), tzinfo=zone), end=datetime.combine(end, time(0), tzinfo=zone)
    )
    calendar, _ = _calendar(session)
    problems: list[str] = []
    weeks: list[list[Day]] = []
    day = start
    while day < end:
        try:
            workday: bool | None
            workday, reason = calendar.describe_day(day)
        except YearOutOfRange as exc:
            workday, reason = None, "超出日历范围"
            if exc.message not in problems:
                problems.append(exc.message)
        else:
            if calendar.is_provisional(day.year) and day.month == first.month:
                note = PROVISIONAL_NOTE.format(year=day.year)
                if note not in problems:
                    problems.append(note)
        cell = Day(day, day.month == first.month, workday, reason)
        for shift in shifts:
            starts = to_local(shift.starts_at)
            if starts is not None and starts.date() == day:
                cell.shifts.append(shift)
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append(cell)
        day += timedelta(days=1)
    return weeks, problems


def _people(session: SessionDep) -> tuple[list[User], list[User]]:
    users = list(
        session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([r.value for r in roster.ON_DUTY_ROLES]))
            .order_by(User.role, User.id)
        )
    )
    return users, [u for u in users if u.role in (Role.leader, Role.admin)]


def _roster_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    month: str = "",
    error: str = "",
    status_code: int = 200,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    first = _month(month)
    weeks, problems = _weeks(session, first)
    people, leaders = _people(session)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "admin/roster.html",
        {
            "tab": "roster",
            "first": first,
            "weeks": weeks,
            "weekdays": WEEKDAYS,
            "problems": problems,
            "people": people,
            "leaders": leaders,
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "today": figures.today(),
            "now_on_duty": roster.on_duty(session),
            "error": error,
            "form": form or {},
        },
        user=user,
        active="admin",
        status_code=status_code,
    )


@router.get("/admin/roster")
def roster_page(request: Request, session: SessionDep, user: AdminUser, month: str = "") -> HTMLResponse:
    """The duty roster of a month as a calendar, with the forms to assign a shift or a rotation."""
    return _roster_page(request, session, user, month=month)


def _ids(values: list[Any]) -> list[int]:
    return [int(str(v)) for v in values if str(v).isdigit()]


def _optional_id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _moment(day: str, clock: str, field_name: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock or "08:30"), tzinfo=local_zone())
    except ValueError as exc:
        raise InvalidInput("日期或时间格式有误", details={"field": field_name}) from exc


@router.post("/admin/roster", response_model=None, dependencies=[CsrfChecked])
def save_shift(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    day: Annotated[str, Form(max_length=10)],
    user_id: Annotated[str, Form(max_length=20)],
    start_time: Annotated[str, Form(max_length=5)] = "08:30",
    hours: Annotated[str, Form(max_length=5)] = "24",
    backup_user_id: Annotated[str, Form(max_length=20)] = "",
    leader_id: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    shift_id: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse | RedirectResponse:
    """Assign who is on duty for a shift (by default 24 hours from the 08:30 handover)."""
    month = day[:7]

    def shown(exc: MuqingError) -> HTMLResponse:
        return _roster_page(request, session, user, month=month, error=exc.message, status_code=400)

    with committing(session, MuqingError, shown=shown):
        starts_at = _moment(day, start_time, "day")
        if not hours.strip().isdigit() or not 1 <= int(hours) <= 168:
            raise InvalidInput("班次时长应为1到168小时", details={"field": "hours"})
        ends_at = starts_at + timedelta(hours=int(hours))
        person = _optional_id(user_id)
        if person is None:
            raise InvalidInput("请选择值班人员", details={"field": "user_id"})
        calendar, _ = _calendar(session)
        roster.save_shift(
            session,
            shift_id=_optional_id(shift_id),
            starts_at=starts_at,
            ends_at=ends_at,
            user_id=person,
            backup_user_id=_optional_id(backup_user_id),
            leader_id=_optional_id(leader_id),
            note=note.strip(),
            calendar=calendar,
        )
    return done(f"/admin/roster?month={month}", "saved")


@router.post("/admin/roster/{shift_id}/delete", dependencies=[CsrfChecked])
def delete_shift(session: SessionDep, user: AdminUser, shift_id: RowId, month: Annotated[str, Form()] = "") -> Any:
    """Remove a shift."""
    roster.delete_shift(session, shift_id=shift_id)
    session.commit()
    return done(f"/admin/roster?month={month}" if re.fullmatch(r"\d{4}-\d{2}", month) else "/admin/roster", "deleted")


@router.post("/admin/roster/rotation", response_model=None, dependencies=[CsrfChecked])
async def rotation(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse | RedirectResponse:
    """Fill days in turn from a start date; rest days become holiday shifts with a leader in charge."""
    form = await request.form()
    start_text = str(form.get("start", ""))

    def shown(exc: MuqingError) -> HTMLResponse:
        return _roster_page(request, session, user, month=start_text[:7], error=exc.message, status_code=400)

    with committing(session, MuqingError, shown=shown):
        try:
            start = date.fromisoformat(start_text)
            handover = time.fromisoformat(str(form.get("handover_at", "")) or "08:30")
            days = int(str(form.get("days", "")) or "0")
        except ValueError as exc:
            raise InvalidInput("开始日期、天数或交班时间格式有误", details={"field": "start"}) from exc
        roster.generate_rotation(
            session,
            start=start,
            days=days,
            user_ids=_ids(form.getlist("user_ids")),
            backup_user_ids=_ids(form.getlist("backup_user_ids")),
            holiday_leader_ids=_ids(form.getlist("leader_ids")),
            handover_at=handover,
            calendar=work_calendar(session),
        )
    return done(f"/admin/roster?month={start_text[:7]}", "saved")
