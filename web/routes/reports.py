"""Reports (通报): weekly or monthly, all sections or one, as a printable page, DOCX and XLSX."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from core.errors import InvalidInput, NotFound
from core.models import Section, User
from core.types import Role
from web import figures, queries
from web.deps import SessionDep
from web.reports.data import KINDS, Report, build_report
from web.reports.export import (
    CASE_HEADER,
    CATEGORY_HEADER,
    case_rows,
    category_rows,
    timeliness_tables,
    to_docx,
    to_xlsx,
)
from web.security import WebUser
from web.templating import render

router = APIRouter(include_in_schema=False)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(session: SessionDep, user: User, kind: str, day: str, section: str) -> Report:
    """The report the user asked for; section roles only ever get their own section's."""
    try:
        anchor = date.fromisoformat(day) if day else figures.today()
    except ValueError as exc:
        raise InvalidInput("日期格式应为 2025-10-01", details={"field": "date"}) from exc
    chosen: Section | None = None
    if user.role in (Role.staff, Role.head):
        chosen = user.section
    elif section.strip().isdigit():
        chosen = session.get(Section, int(section))
        if chosen is None:
            raise NotFound(f"科室 {section} 不存在")
    return build_report(session, kind=kind if kind in KINDS else "week", anchor=anchor, section=chosen)


def _filename(report: Report, suffix: str) -> str:
    return f"{report.title}-{report.period.start:%Y%m%d}.{suffix}"


@router.get("/reports")
def reports_page(
    request: Request, session: SessionDep, user: WebUser, kind: str = "week", date: str = "", section: str = ""
) -> HTMLResponse:
    """The report chooser and the report itself, laid out to print."""
    report = _report(session, user, kind, date, section)
    query = urlencode(
        {
            "kind": report.kind,
            "date": report.period.start.isoformat(),
            "section": report.section.id if report.section else "",
        }
    )
    return render(
        request,
        "reports.html",
        {
            "report": report,
            "kinds": KINDS,
            "query": query,
            "sections": queries.active_sections(session),
            "timeliness_tables": timeliness_tables(report),
            "category_rows": category_rows(report),
            "category_header": CATEGORY_HEADER,
            "case_header": CASE_HEADER,
            "overdue_rows": case_rows(report.overdue),
            "late_rows": case_rows(report.late),
            "case_rows": case_rows(report.cases),
        },
        user=user,
        active="reports",
    )


def _download(content: bytes, media_type: str, filename: str) -> Response:
    disposition = f"attachment; filename=\"report.{filename.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/reports/export.docx")
def export_docx(session: SessionDep, user: WebUser, kind: str = "week", date: str = "", section: str = "") -> Response:
    """The report as a Word document."""
    report = _report(session, user, kind, date, section)
    return _download(to_docx(report), DOCX_TYPE, _filename(report, "docx"))


@router.get("/reports/export.xlsx")
def export_xlsx(session: SessionDep, user: WebUser, kind: str = "week", date: str = "", section: str = "") -> Response:
    """The report as a workbook."""
    report = _report(session, user, kind, date, section)
    return _download(to_xlsx(report), XLSX_TYPE, _filename(report, "xlsx"))
