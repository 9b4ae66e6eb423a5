"""SLA policies (CRUD), deadline explanations, the working-day calendar and admin-entered holiday years."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Response

from alerts.cases.schemas import PolicySeverityText
from alerts.cases.service import get_setting, save_setting
from alerts.sla import holidays
from alerts.sla import service as sla
from alerts.sla.calendar import LIMIT_LABELS, check_year
from alerts.sla.schemas import (
    DayChangeOut,
    DayOut,
    DeadlineExplainOut,
    ExplainOut,
    HolidayDayIn,
    HolidayYearIn,
    HolidayYearOut,
    NoticeIn,
    NoticeOut,
    PolicyIn,
    PolicyOut,
)
from alerts.sla.service import work_calendar
from api.deps import CurrentUser, SessionDep, require_roles
from api.params import calendar_field
from core.bounds import CalendarDate, CalendarDateTime, RowId, Year
from core.errors import InvalidInput, NotFound
from core.timeutil import local_zone, utcnow
from core.types import Role

router = APIRouter(tags=["sla"])
ADMIN = require_roles(Role.admin)


@router.get("/sla/policies")
def list_policies(session: SessionDep, user: CurrentUser) -> list[PolicyOut]:
    """Every SLA policy."""
    return [PolicyOut.model_validate(p) for p in sla.list_policies(session)]


@router.post("/sla/policies", status_code=201, dependencies=[ADMIN])
def create_policy(session: SessionDep, body: PolicyIn) -> PolicyOut:
    """Add a policy (e.g. one for a category or a source kind); sign-for and close limits are required."""
    policy = sla.save_policy(session, data=body)
    session.commit()
    return PolicyOut.model_validate(policy)


@router.put("/sla/policies/{policy_id}", dependencies=[ADMIN])
def update_policy(session: SessionDep, policy_id: RowId, body: PolicyIn) -> PolicyOut:
    """Change a policy (applies to new cases and to cases whose severity changes)."""
    policy = sla.save_policy(session, data=body, policy_id=policy_id)
    session.commit()
    return PolicyOut.model_validate(policy)


@router.delete("/sla/policies/{policy_id}", status_code=204, dependencies=[ADMIN])
def delete_policy(session: SessionDep, policy_id: RowId) -> Response:
    """Remove a policy (prefer disabling it)."""
    sla.delete_policy(session, policy_id=policy_id)
    session.commit()
    return Response(status_code=204)


@router.get("/sla/explain")
def explain(
    session: SessionDep,
    user: CurrentUser,
    severity: PolicySeverityText,
    start: CalendarDateTime,
    category: str | None = None,
    source_kind: str | None = None,
) -> ExplainOut:
    """The deadlines of a severity's policy from ``start``, with the days each skipped and why."""
    start = start if start.tzinfo else start.replace(tzinfo=local_zone())
    with calendar_field("start"):
        result = holidays.explain(
            severity=severity, start=start, category=category, source_kind=source_kind, session=session
        )
    d = result.deadlines
    return ExplainOut(
        severity=severity,
        policy=result.policy_name,
        start=start,
        ack_due=d.ack_due,
        response_due=d.response_due,
        close_due=d.close_due,
        extended_close_due=result.extended_close_due,
        provisional=bool(d.provisional_years),
        provisional_years=d.provisional_years,
        deadlines=[
            DeadlineExplainOut(
                name=e.name,
                label=LIMIT_LABELS[e.name],
                limit=e.limit.describe(),
                due=e.due,
                provisional=bool(e.provisional_years),
                provisional_years=e.provisional_years,
                held_to=e.held_to,
                policy_due=e.policy_due,
                notes=[DayOut(date=n.day, workday=n.reason.startswith("计入"), reason=n.reason) for n in e.notes],
            )
            for e in d.explanations
        ],
    )


@router.get("/calendar/days")
def calendar_days(session: SessionDep, user: CurrentUser, start: CalendarDate, end: CalendarDate) -> list[DayOut]:
    """Each day in [start, end]: working day or not, and why (an uncovered year is a clear error)."""
    if end < start or (end - start).days > 400:
        raise InvalidInput("日期范围无效（最多400天）", details={"field": "end"})
    check_year(start, "start")
    check_year(end, "end")
    calendar = work_calendar(session)
    days = []
    day = start
    while day <= end:
        with calendar_field("start" if day.year == start.year else "end"):
            workday, reason = calendar.describe_day(day)
        days.append(DayOut(date=day, workday=workday, reason=reason))
        day += timedelta(days=1)
    return days


@router.get("/calendar/years")
def calendar_years(session: SessionDep, user: CurrentUser, around: Year | None = None) -> list[HolidayYearOut]:
    """Coverage of the years around this one and every admin-entered year (``missing`` needs the admin)."""
    rows = holidays.list_years(session, around=around or utcnow().astimezone(local_zone()).year)
    return [_year_out(session, year) for year, _ in rows]


def _year_out(session: SessionDep, year: int) -> HolidayYearOut:
    source, notice, days = holidays.get_year(session, year=year)
    return HolidayYearOut(
        year=year,
        source=source,
        provisional=source == "missing",
        notice=notice,
        days=[HolidayDayIn.model_validate(d) for d in days],
    )


@router.get("/calendar/years/{year}")
def calendar_year(session: SessionDep, user: CurrentUser, year: Year) -> HolidayYearOut:
    """A year's holidays and make-up working days, and where they come from."""
    return _year_out(session, year)


@router.put("/calendar/years/{year}", dependencies=[ADMIN])
def save_calendar_year(
    session: SessionDep, user: CurrentUser, year: Year, body: HolidayYearIn, replace: bool = False
) -> HolidayYearOut:
    """Enter a year's official arrangement (it replaces the library for that year); open cases are recomputed.

    A year already entered or in the library with other days is answered 409 with the differences until
    ``replace=true``.
    """
    holidays.save_year(
        session, year=year, days=[d.model_dump() for d in body.days], notice=body.notice, user=user, replace=replace
    )
    session.commit()
    return _year_out(session, year)


@router.post("/calendar/notice", dependencies=[ADMIN])
def import_notice(session: SessionDep, user: CurrentUser, body: NoticeIn) -> NoticeOut:
    """Enter a year from the State Council's notice pasted as published; open cases are recomputed.

    A text it cannot read completely is refused whole (422 naming the line, its words and the reason);
    a year that exists with other days is answered 409 with the differences until ``replace`` is true.
    """
    if body.dry_run:
        result = holidays.preview_notice(session, text=body.text)
    else:
        result = holidays.import_notice(session, text=body.text, user=user, replace=body.replace)
        session.commit()
    return NoticeOut(
        year=result.notice.year,
        title=result.notice.title,
        source=result.source,
        days=[HolidayDayIn.model_validate(d) for d in result.notice.as_days()],
        from_provisional=[DayChangeOut.model_validate(c.as_dict()) for c in result.from_provisional],
        from_current=[DayChangeOut.model_validate(c.as_dict()) for c in result.from_current],
        saved=result.saved,
        recomputed=result.recomputed,
    )


@router.delete("/calendar/years/{year}", status_code=204, dependencies=[ADMIN])
def delete_calendar_year(session: SessionDep, user: CurrentUser, year: Year) -> Response:
    """Remove the admin's entry for a year (open cases are recomputed on the library or provisional calendar)."""
    holidays.delete_year(session, year=year, user=user)
    session.commit()
    return Response(status_code=204)


@router.get("/alert-settings/{key}")
def read_setting(session: SessionDep, user: CurrentUser, key: str) -> dict[str, Any]:
    """A group of workflow settings (``grouping``, ``reminders``)."""
    if key not in ("grouping", "reminders"):
        raise NotFound(f"设置项 {key} 不存在")
    return get_setting(session, key=key)


@router.put("/alert-settings/{key}", dependencies=[ADMIN])
def write_setting(session: SessionDep, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change a group of workflow settings (only the keys it knows)."""
    value = save_setting(session, key=key, value=body)
    session.commit()
    return value
