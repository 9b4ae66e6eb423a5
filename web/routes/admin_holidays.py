"""Administration of the holiday years (节假日安排): coverage, a year's days, entering or replacing a year.

The SLA room's pages with ``admin_sla`` (policies) and ``admin_notice`` (pasting the State Council's notice);
the calendar itself is ``alerts.sla``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from alerts.sla import holidays
from alerts.sla.statutory import FIRST_YEAR, LAST_YEAR
from core.bounds import Year
from core.errors import Conflict, InvalidInput, MuqingError
from core.models import User
from core.types import Role
from web import figures
from web.deps import SessionDep
from web.pages import committing, done
from web.routes.admin_roster import WEEKDAYS
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
SOURCE_LABELS = {"admin": "管理员录入", "library": "内置节假日日历", "missing": "暂定（官方安排未录入）"}


DAY_LINE = re.compile(
    r"^(?P<start>\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:~|～|至|—|--)\s*(?P<end>\d{4}-\d{1,2}-\d{1,2}))?\s+"
    r"(?P<kind>休|班|放假|上班)\s*(?P<name>.*)$"
)


def _iso(text: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def parse_days(text: str) -> list[dict[str, Any]]:
    """Lines such as ``2027-10-01~2027-10-07 休 国庆节`` or ``2027-10-09 班 国庆节调休`` as holiday-year days."""
    days: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = DAY_LINE.match(line)
        if match is None:
            raise InvalidInput(
                f"第 {number} 行无法识别：「{line[:40]}」；"
                "格式如 2027-10-01~2027-10-07 休 国庆节 或 2027-10-09 班 国庆节调休",
                details={"field": "days"},
            )
        try:
            first = _iso(match["start"])
            last = _iso(match["end"]) if match["end"] else first
        except ValueError as exc:
            raise InvalidInput(f"第 {number} 行日期无效：「{line[:40]}」", details={"field": "days"}) from exc
        if last < first or (last - first).days > 31:
            raise InvalidInput(f"第 {number} 行日期范围无效（最长31天）", details={"field": "days"})
        workday = match["kind"] in ("班", "上班")
        day = first
        while day <= last:
            days.append({"date": day.isoformat(), "workday": workday, "name": match["name"].strip()})
            day += timedelta(days=1)
    return days


def days_text(days: list[dict[str, Any]]) -> str:
    """Holiday-year days as the lines the form takes, consecutive days of the same kind and name joined."""
    lines: list[str] = []
    run: list[dict[str, Any]] = []

    def flush() -> None:
        if run:
            span = run[0]["date"] if len(run) == 1 else f"{run[0]['date']}~{run[-1]['date']}"
            lines.append(f"{span} {'班' if run[0]['workday'] else '休'} {run[0].get('name', '')}".rstrip())
            run.clear()

    for entry in sorted(days, key=lambda d: str(d["date"])):
        if run and (
            date.fromisoformat(str(entry["date"])) != date.fromisoformat(str(run[-1]["date"])) + timedelta(days=1)
            or entry["workday"] != run[-1]["workday"]
            or entry.get("name", "") != run[-1].get("name", "")
        ):
            flush()
        run.append(entry)
    flush()
    return "\n".join(lines)


def holidays_view(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    year: Year | None = None,
    error: str = "",
    status_code: int = 200,
    text: str | None = None,
    notice: str | None = None,
    pasted: str = "",
    preview: holidays.NoticeImport | None = None,
    differences: list[holidays.DayChange] | None = None,
) -> HTMLResponse:
    """The holiday-years page: coverage, a year's days, the paste box for the notice (with its preview)."""
    this_year = figures.today().year
    years = holidays.list_years(session, around=this_year)
    chosen = year or next((y for y, source in years if source == "missing" and y >= this_year), this_year)
    source, stored_notice, days = holidays.get_year(session, year=chosen)
    return render(
        request,
        "admin/holidays.html",
        {
            "tab": "holidays",
            "years": years,
            "year": chosen,
            "source": source,
            "source_labels": SOURCE_LABELS,
            "days": days,
            "text": (text or "") if text is not None or source == "missing" else days_text(days),
            "notice": stored_notice if notice is None else notice,
            "error": error,
            "pasted": pasted,
            "preview": preview,
            "differences": differences or [],
            "weekdays": WEEKDAYS,
        },
        user=user,
        active="admin",
        status_code=status_code,
    )


@router.get("/admin/holidays")
def holidays_page(request: Request, session: SessionDep, user: AdminUser, year: Year | None = None) -> HTMLResponse:
    """Which years the working-day calendar covers, a year's holidays and make-up days, and the form to enter them."""
    if year is not None:
        holidays.check_year(year)
    return holidays_view(request, session, user, year=year)


@router.post("/admin/holidays", response_model=None, dependencies=[CsrfChecked])
def save_year(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    year: Annotated[int, Form(ge=FIRST_YEAR, le=LAST_YEAR)],
    days: Annotated[str, Form(max_length=20000)],
    notice: Annotated[str, Form(max_length=2000)] = "",
    replace: Annotated[str, Form(max_length=5)] = "",
) -> HTMLResponse | RedirectResponse:
    """Enter a year's official arrangement (国务院办公厅通知); it replaces the built-in calendar for that year.

    A year that exists with other days is shown with the differences and saved only once replacing is ticked.
    """

    def shown(exc: MuqingError) -> HTMLResponse:
        if isinstance(exc, InvalidInput):
            return holidays_view(
                request, session, user, year=year, error=exc.message, status_code=400, text=days, notice=notice
            )
        changes = [holidays.DayChange.from_dict(d) for d in exc.details.get("differences", [])]
        return holidays_view(
            request,
            session,
            user,
            year=year,
            error=exc.message,
            status_code=409,
            text=days,
            notice=notice,
            differences=changes,
        )

    with committing(session, Conflict, InvalidInput, shown=shown):
        holidays.save_year(
            session, year=year, days=parse_days(days), notice=notice.strip(), user=user, replace=bool(replace)
        )
    return done(f"/admin/holidays?year={year}", "saved")


@router.post("/admin/holidays/{year}/delete", dependencies=[CsrfChecked])
def delete_year(session: SessionDep, user: AdminUser, year: Year) -> RedirectResponse:
    """Remove the admin's entry for a year (the built-in or the provisional calendar applies again)."""
    holidays.delete_year(session, year=year, user=user)
    session.commit()
    return done(f"/admin/holidays?year={year}", "deleted")
