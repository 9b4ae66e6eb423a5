"""Cases entered by hand: a phone call, a letter, a visit, an information request (依申请公开)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from alerts.cases.intake import KINDS, open_case
from alerts.cases.schemas import CaseIn
from core.errors import InvalidInput, MuqingError, http_status
from core.models import User
from core.timeutil import local_zone
from core.types import Role
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
    severity: Annotated[str, Form(max_length=20)] = "一般",
    received_at: Annotated[str, Form(max_length=20)] = "",
    channel: Annotated[str, Form(max_length=100)] = "",
    requester_name: Annotated[str, Form(max_length=100)] = "",
    requester_phone: Annotated[str, Form(max_length=40)] = "",
    requester_address: Annotated[str, Form(max_length=300)] = "",
    section_id: Annotated[str, Form(max_length=20)] = "",
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
    }
    try:
        values = {
            "kind": kind,
            "title": title.strip(),
            "content": content.strip(),
            "category": category,
            "severity": severity if kind != "info_request" else None,
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
        alert = open_case(session, actor=user, **case.model_dump(exclude={"disclosure"}))
        session.commit()
    except MuqingError as exc:
        session.rollback()
        return _case_form(request, session, user, draft=draft, error=exc.message, status_code=http_status(exc))
    return done(f"/alerts/{alert.id}", "created")


def _local_time(value: str) -> datetime | None:
    """A datetime-local field (Beijing time) as an aware time; empty means now."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=local_zone())
    except ValueError as exc:
        raise InvalidInput("收到时间格式应为 2025-10-01T09:30", details={"field": "received_at"}) from exc
