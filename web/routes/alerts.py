"""The alert list and the alert page, with every action the user's role allows."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from alerts import service as alert_service
from alerts.flows import transition
from alerts.lifecycle import STATUS_LABELS, allowed_actions
from alerts.schemas import ResponseInput
from api.deps import SessionDep
from core.errors import MuqingError
from core.models import User
from core.types import CATEGORY_LABELS, Role
from web import queries
from web.pages import done
from web.security import CsrfChecked, WebUser
from web.templating import SEVERITIES, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
STATUS_GROUPS = {
    "open": ("new", "acknowledged", "assigned", "in_progress"),
    "done": ("responded", "closed", "dismissed"),
}


@router.get("/alerts")
def alert_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    status: str = "",
    severity: str = "",
    category: str = "",
    section: Annotated[int | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> HTMLResponse:
    """The alerts visible to the user, newest first, with filters."""
    statuses = list(STATUS_GROUPS.get(status, (status,) if status in STATUS_LABELS else ()))
    items, total = alert_service.list_alerts(
        session,
        user=user,
        status=statuses,
        severity=severity if severity in SEVERITIES else None,
        category=category if category in CATEGORY_LABELS else None,
        section_id=section if user.role not in (Role.staff, Role.head) else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    filters = {"status": status, "severity": severity, "category": category, "section": section}
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "alerts.html",
        {
            "alerts": items,
            "total": total,
            "filters": filters,
            "query": query,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "sections": queries.active_sections(session),
        },
        user=user,
        active="alerts",
    )


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, session: SessionDep, user: WebUser, alert_id: int) -> HTMLResponse:
    """One alert: posts, analysis, routing, timeline, responses and the allowed actions."""
    return _alert_page(request, session, user, alert_id, error=None)


def _alert_page(
    request: Request,
    session: SessionDep,
    user: User,
    alert_id: int,
    *,
    error: str | None,
    failed_action: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
    return render(
        request,
        "alert.html",
        {
            "alert": alert,
            "actions": allowed_actions(status=alert.status, role=user.role),
            "sections": queries.active_sections(session),
            "co_sections": queries.co_sections(session, alert=alert),
            "error": error,
            "failed_action": failed_action,
        },
        user=user,
        active="alerts",
        status_code=status_code,
    )


@router.post("/alerts/{alert_id}/action", response_model=None, dependencies=[CsrfChecked])
def alert_action(
    request: Request,
    session: SessionDep,
    user: WebUser,
    alert_id: int,
    action: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=5000)] = "",
    section_id: Annotated[str, Form(max_length=20)] = "",
    response: Annotated[str, Form(max_length=20000)] = "",
    channel: Annotated[str, Form(max_length=40)] = "website",
    link: Annotated[str, Form(max_length=2048)] = "",
    severity: Annotated[str, Form(max_length=20)] = "",
    satisfaction: Annotated[str, Form(max_length=20)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
    target_alert_id: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Apply a lifecycle action, then go back to where the user came from (the alert page by default)."""
    # Only the fields the form filled in are passed on, so each action gets exactly what it asked for.
    extra: dict[str, Any] = {
        key: value
        for key, value in (
            ("severity", severity.strip()),
            ("satisfaction", satisfaction.strip()),
            ("method", method.strip()),
            ("target_alert_id", int(target_alert_id) if target_alert_id.strip().isdigit() else None),
        )
        if value
    }
    try:
        alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
        transition(
            session,
            alert=alert,
            actor=user,
            action=action,
            section_id=int(section_id) if section_id.strip().isdigit() else None,
            note=note,
            response=ResponseInput(content=response, channel=channel, link=link.strip() or None)
            if response.strip()
            else None,
            **extra,
        )
        session.commit()
    except MuqingError as exc:
        session.rollback()
        status = 404 if exc.code == "not_found" else 409 if exc.code == "conflict" else 400
        if status == 404:
            raise
        return _alert_page(
            request, session, user, alert_id, error=exc.message, failed_action=action, status_code=status
        )
    target = back if back in ("/console", "/workbench") else f"/alerts/{alert_id}"
    return done(target, action)
