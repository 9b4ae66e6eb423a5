"""依申请公开 pages: the register, entering a request (its case opened), a request's steps, importing a register."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from alerts.disclosure import service, views
from alerts.disclosure.format import APPLICANT_TYPES, OUTCOMES, REASONS, RECEIVED_VIA
from alerts.disclosure.imports import DEFAULT_COLUMNS, FIELD_LABELS, MAX_BYTES
from alerts.disclosure.report import reminder_text, unregistered_cases
from alerts.disclosure.schemas import STEP_LABELS, RequestIn, RequestUpdate, StepIn
from core.bounds import IMPORT_BODY_LIMIT, RowId
from core.errors import InvalidInput, MuqingError
from core.models import User
from core.timeutil import local_zone, to_local, utcnow
from core.validation import parse_as
from web.deps import SessionDep
from web.pages import done
from web.security import CsrfChecked, WebUser
from web.templating import render

router = APIRouter(include_in_schema=False)

REQUEST_FIELDS = (
    "alert_id", "title", "information", "applicant_type", "applicant_name", "applicant_contact", "received_via",
    "received_at", "correction_requested_at", "correction_received_at", "extended_at", "answered_at", "outcome",
    "reason", "answer_note",
)  # fmt: skip
VOCABULARY = {
    "applicant_types": APPLICANT_TYPES,
    "received_via": RECEIVED_VIA,
    "outcomes": OUTCOMES,
    "reasons": REASONS,
}


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a form, stripped; empty ones left out (so the schema's defaults apply)."""
    values = {name: str(form.get(name) or "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


def _now_local() -> str:
    return datetime.now(local_zone()).strftime("%Y-%m-%dT%H:%M")


def chosen_year(value: str) -> int:
    now = to_local(utcnow())
    assert now is not None
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else now.year


def reminder(session: SessionDep) -> str | None:
    """The annual report's reminder while last year's report is not marked published."""
    due = reminder_text(session, now=utcnow())
    return due[1] if due else None


@router.get("/disclosure")
def register_page(
    request: Request, session: SessionDep, user: WebUser, year: str = "", status: str = ""
) -> HTMLResponse:
    """The register of a year (received in it, or still open from before) and the cases not yet registered."""
    chosen = chosen_year(year)
    listed = views.list_requests(
        session,
        user=user,
        year=chosen,
        status=cast(views.Status, status) if status in views.STATUS_LABELS else None,
        limit=1000,
    )
    return render(
        request,
        "disclosure/register.html",
        {
            "year": chosen,
            "status": status,
            "statuses": views.STATUS_LABELS,
            "entries": listed.items,
            "total": listed.total,
            "unregistered": unregistered_cases(session, year=chosen),
            "reminder": reminder(session),
        },
        user=user,
        active="disclosure",
    )


def _new_form(
    request: Request, user: User, *, draft: dict[str, Any], error: str = "", status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "disclosure/request_new.html",
        {"draft": draft, "error": error, "now": _now_local(), **VOCABULARY},
        user=user,
        active="disclosure",
        status_code=status_code,
        # The form shows back only what this user just typed: masking it would garble what they resubmit.
        reveal=True,
    )


@router.get("/disclosure/new")
def new_request_form(request: Request, user: WebUser, alert_id: str = "") -> HTMLResponse:
    """The form for a request: who applied, how, what for; an answered one may be entered with its steps."""
    service.check_register_user(user)
    return _new_form(request, user, draft={"alert_id": alert_id} if alert_id.isdigit() else {})


@router.post("/disclosure/new", response_model=None, dependencies=[CsrfChecked])
async def new_request(request: Request, session: SessionDep, user: WebUser) -> Response:
    """Register the request (opening its case unless answered), then show it."""
    draft = _values(await request.form(), REQUEST_FIELDS)
    try:
        entry = service.register_request(session, actor=user, data=parse_as(RequestIn, draft))
        session.commit()
    except MuqingError as exc:
        session.rollback()
        return _new_form(request, user, draft=draft, error=exc.message, status_code=400)
    return done(f"/disclosure/requests/{entry.id}", "created")


def _request_page(
    request: Request, session: SessionDep, user: User, request_id: RowId, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    service.get_request(session, user=user, request_id=request_id)
    return render(
        request,
        "disclosure/request.html",
        {
            "entry": views.request_view(session, entry_id=request_id),
            "error": error,
            "now": _now_local(),
            "steps": STEP_LABELS,
            **VOCABULARY,
        },
        user=user,
        active="disclosure",
        status_code=status_code,
    )


@router.get("/disclosure/requests/{request_id}")
def request_page(request: Request, session: SessionDep, user: WebUser, request_id: RowId) -> HTMLResponse:
    """One request: its steps and dates, the statutory deadline, its case, and the forms for the next step."""
    return _request_page(request, session, user, request_id)


@router.post("/disclosure/requests/{request_id}/steps", response_model=None, dependencies=[CsrfChecked])
async def request_step(request: Request, session: SessionDep, user: WebUser, request_id: RowId) -> Response:
    """Record a step (补正 asked or received, extension, answer)."""
    values = _values(await request.form(), ("step", "at", "outcome", "reason", "note"))
    try:
        service.record_step(session, actor=user, request_id=request_id, step=parse_as(StepIn, values))
        session.commit()
    except MuqingError as exc:
        session.rollback()
        return _request_page(request, session, user, request_id, error=exc.message, status_code=400)
    return done(f"/disclosure/requests/{request_id}", "step")


@router.post("/disclosure/requests/{request_id}/edit", response_model=None, dependencies=[CsrfChecked])
async def request_edit(request: Request, session: SessionDep, user: WebUser, request_id: RowId) -> Response:
    """Correct who applied, how, or what for."""
    names = ("title", "information", "applicant_type", "applicant_name", "applicant_contact", "received_via")
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in names if name in form}
    try:
        service.update_request(session, actor=user, request_id=request_id, data=parse_as(RequestUpdate, values))
        session.commit()
    except MuqingError as exc:
        session.rollback()
        return _request_page(request, session, user, request_id, error=exc.message, status_code=400)
    return done(f"/disclosure/requests/{request_id}", "saved")


def _import_page(
    request: Request,
    user: User,
    *,
    result: Any = None,
    error: str = "",
    mapping: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "disclosure/import.html",
        {
            "result": result,
            "error": error,
            "mapping": mapping or {},
            "columns": DEFAULT_COLUMNS,
            "labels": FIELD_LABELS,
            "max_mb": MAX_BYTES // (1024 * 1024),
            **VOCABULARY,
        },
        user=user,
        active="disclosure",
        status_code=status_code,
    )


@router.get("/disclosure/import")
def import_form(request: Request, user: WebUser) -> HTMLResponse:
    """Upload a register (CSV/XLSX) and name the columns that differ from the defaults."""
    service.check_register_user(user)
    return _import_page(request, user)


@router.post("/disclosure/import", response_model=None, dependencies=[CsrfChecked], max_body_size=IMPORT_BODY_LIMIT)
async def import_file(request: Request, session: SessionDep, user: WebUser) -> Response:
    """Import the rows: good ones are entered, bad ones listed by row number and field."""
    form = await request.form()
    mapping = {field: str(form.get(f"col_{field}") or "").strip()[:200] for field in DEFAULT_COLUMNS}
    mapping = {field: header for field, header in mapping.items() if header}
    upload = form.get("file")
    try:
        service.check_register_user(user)
        data = await upload.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
        name = upload.filename or "" if isinstance(upload, UploadFile) else ""
        if not data:
            raise InvalidInput("请选择要导入的文件", details={"field": "file"})
        result = service.import_requests(session, actor=user, data=data, filename=name, mapping=mapping)
        session.commit()
    except MuqingError as exc:
        session.rollback()
        return _import_page(request, user, error=exc.message, mapping=mapping, status_code=400)
    return _import_page(request, user, result=result, mapping=mapping)
