"""The annual report pages: section 三 from the register with its checks, the office's sections, publishing,
and the DOCX and XLSX exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from alerts.disclosure import annual, views
from alerts.disclosure.export import (
    REVIEW_HEADS,
    body_layout,
    header_layout,
    report_docx,
    report_title,
    report_xlsx,
    review_values,
)
from alerts.disclosure.format import COLUMNS
from alerts.disclosure.schemas import PublicationIn, ReportFormsIn, ReportOut, RowOut
from core.bounds import Year
from core.errors import MuqingError
from core.models import User
from core.validation import parse_as
from web.deps import SessionDep
from web.pages import committing, done
from web.routes.disclosure import chosen_year
from web.security import CsrfChecked, WebUser
from web.templating import render

router = APIRouter(include_in_schema=False)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROACTIVE = (
    "rules_issued", "rules_repealed", "rules_in_force", "normative_issued", "normative_repealed",
    "normative_in_force", "licensing", "penalties", "coercion", "fees",
)  # fmt: skip
REVIEW_GROUPS = ("review", "suit_direct", "suit_after_review")
REVIEW_PARTS = ("upheld", "corrected", "other", "pending")


def grid(rows: list[RowOut]) -> list[list[dict[str, Any]]]:
    """Section 三 as HTML rows: each cell with its text and spans, covered positions left out."""
    top = 3
    cells = header_layout() + [(a + top, b, c + top, d, t) for a, b, c, d, t in body_layout(rows)]
    table: list[list[dict[str, Any]]] = [[] for _ in range(top + len(rows))]
    for first_row, first_col, last_row, last_col, text in cells:
        table[first_row].append(
            {
                "col": first_col,
                "text": text,
                "rowspan": last_row - first_row + 1,
                "colspan": last_col - first_col + 1,
                "head": True,
                "label": first_row >= top,
            }
        )
    for index, row in enumerate(rows):
        for offset, column in enumerate(COLUMNS):
            value = getattr(row.values, column)
            table[top + index].append(
                {"col": 3 + offset, "text": str(value), "rowspan": 1, "colspan": 1, "head": False}
            )
    for line in table:
        line.sort(key=lambda cell: cell["col"])
    return table


def _page(
    request: Request, session: SessionDep, user: User, year: Year, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    report = views.get_report(session, user=user, year=year)
    return render(
        request,
        "disclosure/report.html",
        {
            "report": report,
            "grid": grid(report.rows),
            "error": error,
            "may_publish": user.role in annual.PUBLISHERS,
            "title": report_title(report),
            "review_heads": REVIEW_HEADS,
            "review_values": review_values(report),
        },
        user=user,
        active="disclosure",
        status_code=status_code,
    )


@router.get("/disclosure/reports")
def reports_home(request: Request, session: SessionDep, user: WebUser, year: str = "") -> HTMLResponse:
    """Last year's report (the one due by 31 January), or the year asked for."""
    chosen = int(year) if year.isdigit() else chosen_year("") - 1
    return _page(request, session, user, chosen_year(str(chosen)))


@router.get("/disclosure/reports/{year}")
def report_page(request: Request, session: SessionDep, user: WebUser, year: Year) -> HTMLResponse:
    """The annual report of ``year``."""
    return _page(request, session, user, chosen_year(str(year)))


def _forms(form: FormData) -> dict[str, Any]:
    def number(name: str) -> str:
        return str(form.get(name) or "0").strip() or "0"

    return {
        "organisation": str(form.get("organisation") or "").strip(),
        "overview": str(form.get("overview") or ""),
        "problems": str(form.get("problems") or ""),
        "other": str(form.get("other") or ""),
        "proactive": {name: number(name) for name in PROACTIVE},
        "review": {group: {part: number(f"{group}.{part}") for part in REVIEW_PARTS} for group in REVIEW_GROUPS},
    }


def _refused(
    request: Request, session: SessionDep, user: User, year: int, *, status_code: int
) -> Callable[[MuqingError], HTMLResponse]:
    """The report page again with why the form was refused."""
    return lambda exc: _page(request, session, user, year, error=exc.message, status_code=status_code)


@router.post("/disclosure/reports/{year}/forms", response_model=None, dependencies=[CsrfChecked])
async def save_forms(request: Request, session: SessionDep, user: WebUser, year: Year) -> Response:
    """Keep the office's sections of the report."""
    with committing(session, MuqingError, shown=_refused(request, session, user, year, status_code=400)):
        forms = parse_as(ReportFormsIn, _forms(await request.form()))
        annual.save_forms(session, actor=user, year=chosen_year(str(year)), forms=forms)
    return done(f"/disclosure/reports/{year}", "saved", "#forms")


@router.post("/disclosure/reports/{year}/publish", response_model=None, dependencies=[CsrfChecked])
async def publish(request: Request, session: SessionDep, user: WebUser, year: Year) -> Response:
    """Mark the report published (refused while it does not reconcile)."""
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in ("url", "published_at")}
    with committing(session, MuqingError, shown=_refused(request, session, user, year, status_code=409)):
        data = parse_as(PublicationIn, {name: value for name, value in values.items() if value})
        annual.publish_report(session, actor=user, year=chosen_year(str(year)), data=data)
    return done(f"/disclosure/reports/{year}", "published")


def _download(content: bytes, media_type: str, filename: str) -> Response:
    disposition = (
        f"attachment; filename=\"annual-report.{filename.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(filename)}"
    )
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def _report(session: SessionDep, user: User, year: Year) -> ReportOut:
    return views.get_report(session, user=user, year=chosen_year(str(year)))


@router.get("/disclosure/reports/{year}/export.docx")
def export_docx(session: SessionDep, user: WebUser, year: Year) -> Response:
    """The report as a Word document."""
    report = _report(session, user, year)
    return _download(report_docx(report), DOCX_TYPE, f"{report_title(report)}.docx")


@router.get("/disclosure/reports/{year}/export.xlsx")
def export_xlsx(session: SessionDep, user: WebUser, year: Year) -> Response:
    """The report as a workbook, with the year's register."""
    report = _report(session, user, year)
    entries = views.list_requests(session, user=user, year=year, limit=100_000).items
    return _download(report_xlsx(report, entries), XLSX_TYPE, f"{report_title(report)}.xlsx")
