"""依申请公开: the register (entries, steps, corrections, import) and the annual report (forms, publish, export)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.responses import Response

from alerts.disclosure import annual, service, views
from alerts.disclosure.export import report_docx, report_title, report_xlsx
from alerts.disclosure.format import APPLICANT_TYPES, OUTCOMES, REASONS, RECEIVED_VIA
from alerts.disclosure.imports import MAX_BYTES
from alerts.disclosure.schemas import (
    ImportOut,
    PublicationIn,
    ReportFormsIn,
    ReportOut,
    RequestIn,
    RequestList,
    RequestOut,
    RequestUpdate,
    StepIn,
)
from api.deps import CurrentUser, SessionDep
from core.bounds import IMPORT_BODY_LIMIT, Offset, RowId, Year
from core.errors import InvalidInput

router = APIRouter(prefix="/disclosure", tags=["disclosure"])

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/vocabulary")
def vocabulary(user: CurrentUser) -> dict[str, Any]:
    """The codes the register accepts (the unified format's words are accepted too)."""
    return {
        "applicant_types": APPLICANT_TYPES,
        "received_via": RECEIVED_VIA,
        "outcomes": OUTCOMES,
        "reasons": REASONS,
    }


@router.get("/requests")
def list_requests(
    session: SessionDep,
    user: CurrentUser,
    year: Year | None = None,
    status: Literal["open", "paused", "answered"] | None = None,
    applicant_type: str | None = None,
    outcome: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> RequestList:
    """The register, newest first (a year: received in it, or still open from before)."""
    return views.list_requests(
        session,
        user=user,
        year=year,
        status=status,
        applicant_type=applicant_type,
        outcome=outcome,
        limit=limit,
        offset=offset,
    )


@router.post("/requests", status_code=201)
def create_request(session: SessionDep, user: CurrentUser, body: RequestIn) -> RequestOut:
    """Register a request: a new one opens its case (its 20-working-day clock) unless it was already answered."""
    entry = service.register_request(session, actor=user, data=body)
    session.commit()
    session.expire_all()
    return views.request_view(session, entry_id=entry.id)


@router.post("/requests/import", max_body_size=IMPORT_BODY_LIMIT)
async def import_requests(
    session: SessionDep,
    user: CurrentUser,
    file: UploadFile,
    mapping: Annotated[str, Form(max_length=4000, description='JSON {"field": "column header"}')] = "",
) -> ImportOut:
    """Import a register file (CSV/XLSX, at most 5 MB and 5000 rows); bad rows are listed, good ones kept."""
    data = await file.read(MAX_BYTES + 1)
    try:
        columns = json.loads(mapping) if mapping.strip() else {}
    except json.JSONDecodeError as exc:
        raise InvalidInput("列映射应为 JSON 对象", details={"field": "mapping"}) from exc
    if not isinstance(columns, dict):
        raise InvalidInput("列映射应为 JSON 对象", details={"field": "mapping"})
    result = service.import_requests(
        session,
        actor=user,
        data=data,
        filename=file.filename or "",
        mapping={str(k): str(v) for k, v in columns.items()},
    )
    session.commit()
    return result


@router.get("/requests/{request_id}")
def get_request(session: SessionDep, user: CurrentUser, request_id: RowId) -> RequestOut:
    """One register entry with its statutory answer deadline."""
    service.get_request(session, user=user, request_id=request_id)
    return views.request_view(session, entry_id=request_id)


@router.patch("/requests/{request_id}")
def update_request(session: SessionDep, user: CurrentUser, request_id: RowId, body: RequestUpdate) -> RequestOut:
    """Correct who applied, how, or what was asked for."""
    service.update_request(session, actor=user, request_id=request_id, data=body)
    session.commit()
    session.expire_all()
    return views.request_view(session, entry_id=request_id)


@router.post("/requests/{request_id}/steps")
def record_step(session: SessionDep, user: CurrentUser, request_id: RowId, body: StepIn) -> RequestOut:
    """补正 asked (the clock stops) or received (it restarts from that day), extension, or the answer."""
    service.record_step(session, actor=user, request_id=request_id, step=body)
    session.commit()
    session.expire_all()
    return views.request_view(session, entry_id=request_id)


@router.get("/reports/{year}")
def get_report(session: SessionDep, user: CurrentUser, year: Year) -> ReportOut:
    """Section 三 of the year's report from the register, its checks, and the office's sections."""
    return views.get_report(session, user=user, year=_year(year))


@router.put("/reports/{year}/forms")
def save_forms(session: SessionDep, user: CurrentUser, year: Year, body: ReportFormsIn) -> ReportOut:
    """Keep the sections the office writes (一, 二, 四, 五, 六) for the year."""
    annual.save_forms(session, actor=user, year=_year(year), forms=body)
    session.commit()
    session.expire_all()
    return views.get_report(session, user=user, year=year)


@router.post("/reports/{year}/publish")
def publish(session: SessionDep, user: CurrentUser, year: Year, body: PublicationIn) -> ReportOut:
    """Mark the report published (freezing section 三); refused while it does not reconcile."""
    annual.publish_report(session, actor=user, year=_year(year), data=body)
    session.commit()
    session.expire_all()
    return views.get_report(session, user=user, year=year)


def _download(content: bytes, media_type: str, filename: str) -> Response:
    ascii_name = f"annual-report.{filename.rsplit('.', 1)[-1]}"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/reports/{year}/export.docx")
def export_docx(session: SessionDep, user: CurrentUser, year: Year) -> Response:
    """The annual report as a Word document (A4, official layout; section 三 as the format lays it out)."""
    report = views.get_report(session, user=user, year=_year(year))
    return _download(report_docx(report), DOCX_TYPE, f"{report_title(report)}.docx")


@router.get("/reports/{year}/export.xlsx")
def export_xlsx(session: SessionDep, user: CurrentUser, year: Year) -> Response:
    """Section 三 (merged as in the format), sections 二 and 四, and the year's register, as a workbook."""
    report = views.get_report(session, user=user, year=_year(year))
    entries = views.list_requests(session, user=user, year=year, limit=100_000).items
    return _download(report_xlsx(report, entries), XLSX_TYPE, f"{report_title(report)}.xlsx")


def _year(year: Year) -> int:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年度应在 2000—2100 之间", details={"field": "year"})
    return year
