"""Cases entered by hand: a phone call, a letter, a visit, an information request (依申请公开)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.responses import Response

from alerts.cases.intake import KINDS
from alerts.cases.schemas import CaseIn
from alerts.cases.triage import Classified, open_triaged_case, propose
from core.errors import InvalidInput, MuqingError, http_status
from core.models import User
from core.timeutil import local_zone
from core.types import Role
from nlp.analyze import analyze
from web import queries
from web.deps import SessionDep
from web.forms import parse
from web.pages import done
from web.routes.alerts import form_int
from web.security import CsrfChecked, require_roles
from web.templating import render

# Mounted before the alert pages, so /alerts/new is not taken for an alert id.
router = APIRouter(include_in_schema=False)
CASE_LABELS = {
    "title": "标题",
    "content": "诉求内容",
    "kind": "类型",
    "category": "类别",
    "severity": "级别",
    "received_at": "收到时间",
    "channel": "来源渠道",
    "section_id": "承办科室",
}

# Who may enter a case by hand: the same roles as the API's POST /api/alerts.
INTAKE_ROLES = (Role.duty, Role.leader, Role.admin, Role.head)
IntakeUser = Annotated[User, require_roles(*INTAKE_ROLES)]
INTAKE_CHANNELS = ("电话", "12345 热线", "信函", "当面", "网上申请", "其他")


def _case_form(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    draft: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "case_new.html",
        {
            "draft": draft or {},
            "error": error,
            "kinds": KINDS,
            "channels": INTAKE_CHANNELS,
            "sections": queries.active_sections(session),
            "now": datetime.now(local_zone()).strftime("%Y-%m-%dT%H:%M"),
        },
        user=user,
        active="alerts",
        status_code=status_code,
        # The form shows back only what this user just typed: masking it would garble what they resubmit.
        reveal=True,
    )


@router.get("/alerts/new")
def new_case_form(request: Request, session: SessionDep, user: IntakeUser) -> HTMLResponse:
    """The form for a case entered by hand: a phone call, a letter, a visit, an information request."""
    return _case_form(request, session, user)


@router.post("/alerts/new", response_model=None, dependencies=[CsrfChecked])
def new_case(
    request: Request,
    session: SessionDep,
    user: IntakeUser,
    title: Annotated[str, Form(max_length=500)] = "",
    content: Annotated[str, Form(max_length=50000)] = "",
    kind: Annotated[str, Form(max_length=20)] = "complaint",
    category: Annotated[str, Form(max_length=40)] = "",
    severity: Annotated[str, Form(max_length=20)] = "",
    received_at: Annotated[str, Form(max_length=20)] = "",
    channel: Annotated[str, Form(max_length=100)] = "",
    requester_name: Annotated[str, Form(max_length=100)] = "",
    requester_phone: Annotated[str, Form(max_length=40)] = "",
    requester_address: Annotated[str, Form(max_length=300)] = "",
    section_id: Annotated[str, Form(max_length=20)] = "",
    suggested: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Open the case through the alerts intake (routed, given deadlines, logged), then show it."""
    draft = {
        "title": title,
        "content": content,
        "kind": kind,
        "category": category,
        "severity": severity,
        "received_at": received_at,
        "channel": channel,
        "requester_name": requester_name,
        "requester_phone": requester_phone,
        "requester_address": requester_address,
        "section_id": section_id,
        "suggested": suggested,
    }
    try:
        values = {
            "kind": kind,
            "title": title.strip(),
            "content": content.strip(),
            "category": category or None,
            "severity": (severity or None) if kind != "info_request" else None,
            "received_at": _local_time(received_at),
            "channel": channel.strip(),
            "requester": {
                key: value.strip()
                for key, value in (("name", requester_name), ("phone", requester_phone), ("address", requester_address))
                if value.strip()
            },
            "section_id": form_int(section_id),
        }
        case = parse(CaseIn, values, labels=CASE_LABELS)
        classified = _classify(session, title=case.title, content=case.content)
        alert = open_triaged_case(
            session,
            actor=user,
            kind=case.kind,
            title=case.title,
            content=case.content,
            classified=classified,
            chosen={"category": case.category, "severity": case.severity, "section_id": case.section_id},
            suggested=_suggested(suggested),
            received_at=case.received_at,
            requester=case.requester,
            channel=case.channel,
        )
        session.commit()
    except MuqingError as exc:
        session.rollback()
        return _case_form(request, session, user, draft=draft, error=exc.message, status_code=http_status(exc))
    return done(f"/alerts/{alert.id}", "created")


@router.post("/alerts/new/triage", dependencies=[CsrfChecked])
def triage(
    session: SessionDep,
    user: IntakeUser,
    title: Annotated[str, Form(max_length=500)] = "",
    content: Annotated[str, Form(max_length=50000)] = "",
    kind: Annotated[str, Form(max_length=20)] = "complaint",
) -> JSONResponse:
    """The proposal for the text typed so far (category, severity, section, reasons); the page pre-fills it."""
    if kind not in KINDS:
        raise InvalidInput(f"类型「{kind}」无效", details={"field": "kind"})
    proposal = propose(
        session,
        title=title.strip(),
        content=content.strip(),
        kind=kind,
        classified=Classified.of(analyze(title=title.strip(), text=content.strip())),
    )
    return JSONResponse(proposal.as_dict())


def _classify(session: SessionDep, *, title: str, content: str) -> Classified:
    """The classifier's reading, taken outside any transaction: SQLite's write lock must not wait on the model."""
    session.rollback()
    return Classified.of(analyze(title=title, text=content))


def _suggested(value: str) -> dict[str, str]:
    """What the page pre-filled (``category=…&severity=…&section_id=…``): such a value is no choice of the officer."""
    pairs = (part.split("=", 1) for part in value.split("&") if "=" in part)
    return {key: item for key, item in pairs if key in ("category", "severity", "section_id")}


def _local_time(value: str) -> datetime | None:
    """A datetime-local field (Beijing time) as an aware time; empty means now."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=local_zone())
    except ValueError as exc:
        raise InvalidInput("收到时间格式应为 2025-10-01T09:30", details={"field": "received_at"}) from exc
