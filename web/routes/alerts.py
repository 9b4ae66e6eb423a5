"""The alert list and the alert page, with every action the user's role allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.responses import Response

from alerts.cases import service as alert_service
from alerts.cases.attachments import ALLOWED
from alerts.cases.flows import FOLLOW_UP_METHODS, move_post, transition
from alerts.cases.intake import KINDS
from alerts.cases.lifecycle import FIELD_LABELS, STATUS_LABELS, allowed_actions
from alerts.cases.models import Alert
from alerts.cases.schemas import TransitionIn
from alerts.privacy import service as privacy
from alerts.sla.calendar import UNIT_LABELS
from alerts.sla.deadlines import DUE_FIELDS, MET_FIELDS, alert_policy, extension_limit
from core.bounds import RowId
from core.config import get_settings
from core.errors import InvalidInput, MuqingError, http_status
from core.models import Section, User
from core.types import CATEGORY_LABELS, SEVERITIES, Role
from web import queries
from web.deps import SessionDep
from web.forms import parse
from web.pages import ERROR_CODE_HEADER, committing, done
from web.routes.responses import case_context
from web.security import CsrfChecked, WebUser, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
COORDINATOR_ROLES = (Role.duty, Role.leader, Role.admin)
EXTENSION_DEADLINES = {"close": "办结时限", "response": "回应时限", "ack": "签收时限"}
EXTENSION_UNITS = {unit: UNIT_LABELS[unit] for unit in ("working_days", "working_hours", "hours")}
RESPONSE_STATES = {"published": "已发布", "pending_sign_off": "待审核签发", "rejected": "已退回修改"}
EXTENSION_STATES = {"pending": "待审批", "approved": "已批准", "refused": "未批准"}
ATTACHMENT_TYPES = "、".join(sorted({ext.lstrip(".") for ext in ALLOWED}))
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
    section: RowId | None = None,
    kind: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    overdue: Annotated[str, Query(max_length=1)] = "",
    escalated: Annotated[str, Query(max_length=1)] = "",
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
        kind=kind if kind in KINDS else None,
        q=q.strip() or None,
        overdue=True if overdue == "1" else None,
        escalated=True if escalated == "1" else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    filters = {
        "status": status,
        "severity": severity,
        "category": category,
        "section": section,
        "kind": kind if kind in KINDS else "",
        "q": q.strip(),
        "overdue": "1" if overdue == "1" else "",
        "escalated": "1" if escalated == "1" else "",
    }
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
            "kinds": KINDS,
        },
        user=user,
        active="alerts",
    )


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, session: SessionDep, user: WebUser, alert_id: RowId) -> HTMLResponse:
    """One alert: posts, analysis, routing, timeline, responses and the allowed actions."""
    return _alert_page(request, session, user, alert_id, error=None)


def case_actions(session: SessionDep, alert: Alert, user: User) -> list[str]:
    """The lifecycle table's actions for this role and case, narrowed by the flows' case rules."""
    actions = allowed_actions(status=alert.status, role=user.role, alert=alert)
    if user.role in (Role.staff, Role.head) and alert.section_id != user.section_id:
        # A co-handling section (协办) may only log progress.
        return [a for a in actions if a == "comment"]
    leader_decides = alert.pending_extension is not None and user.role != Role.leader
    if leader_decides and alert_policy(session, alert=alert).extension_approver == "leader":
        actions = [a for a in actions if a not in ("approve_extension", "refuse_extension")]
    return actions


def _extension_deadlines(alert: Alert) -> list[tuple[str, str]]:
    """The deadlines a request may extend: those the case has and has not met yet."""
    return [
        (key, label)
        for key, label in EXTENSION_DEADLINES.items()
        if getattr(alert, DUE_FIELDS[key]) is not None and getattr(alert, MET_FIELDS[key]) is None
    ]


def _alert_page(
    request: Request,
    session: SessionDep,
    user: User,
    alert_id: int,
    *,
    error: str | None,
    failed_action: str = "",
    status_code: int = 200,
    draft: dict[str, str] | None = None,
    revealed: bool = False,
) -> HTMLResponse:
    alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
    policy = alert_policy(session, alert=alert)
    default_extension = extension_limit(policy, None)
    actions = case_actions(session, alert, user)
    return render(
        request,
        "alert.html",
        {
            "alert": alert,
            "actions": actions,
            "sections": queries.active_sections(session),
            "co_sections": [link.section for link in alert.co_sections],
            "section_names": {section.id: section.name for section in session.scalars(select(Section))},
            "error": error,
            "failed_action": failed_action,
            "draft": draft or {},
            "policy": policy,
            "default_extension": default_extension.describe() if default_extension else "",
            "extension_deadlines": _extension_deadlines(alert),
            "extension_units": EXTENSION_UNITS,
            "unit_labels": UNIT_LABELS,
            "deadline_labels": EXTENSION_DEADLINES,
            "follow_up_methods": FOLLOW_UP_METHODS,
            "response_states": RESPONSE_STATES,
            "extension_states": EXTENSION_STATES,
            "attachment_types": ATTACHMENT_TYPES,
            "attachment_mb": get_settings().attachment_max_bytes // (1024 * 1024),
            "staff": _section_people(session) if "assign" in actions else [],
            "can_move": user.role in COORDINATOR_ROLES and alert.status not in ("merged",),
            "can_reveal": privacy.may_reveal(user, alert),
            "revealed": revealed,
            **case_context(session, alert=alert, user=user, actions=actions, draft=draft or {}),
        },
        user=user,
        active="alerts",
        status_code=status_code,
        reveal=revealed,
    )


@router.post("/alerts/{alert_id}/reveal", dependencies=[CsrfChecked])
def reveal_alert_page(request: Request, session: SessionDep, user: WebUser, alert_id: RowId) -> HTMLResponse:
    """显示完整信息: the case page unmasked, for its lead section and duty only; the reveal goes into the case's log."""
    privacy.reveal_case(session, user=user, alert_id=alert_id, where="web")
    session.commit()
    return _alert_page(request, session, user, alert_id, error=None, revealed=True)


def _section_people(session: SessionDep) -> list[User]:
    """Section staff and heads, for naming a handler when assigning."""
    return list(
        session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([Role.staff.value, Role.head.value]))
            .order_by(User.section_id, User.id)
        )
    )


def form_int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def refused(
    request: Request,
    session: SessionDep,
    user: User,
    alert_id: int,
    exc: MuqingError,
    action: str,
    draft: dict[str, str] | None = None,
) -> HTMLResponse:
    """The alert page again with the reason the action was refused (404s stay 404s: nothing is revealed)."""
    session.rollback()
    status = http_status(exc)
    if status == 404:
        raise exc
    page = _alert_page(
        request, session, user, alert_id, error=exc.message, failed_action=action, status_code=status, draft=draft
    )
    page.headers[ERROR_CODE_HEADER] = exc.code
    return page


def refusal(
    request: Request,
    session: SessionDep,
    user: User,
    alert_id: int,
    action: str,
    draft: dict[str, str] | None = None,
) -> Callable[[MuqingError], HTMLResponse]:
    """The page :func:`refused` gives, as the ``shown`` of ``committing`` for a form on the alert page."""
    return lambda exc: refused(request, session, user, alert_id, exc, action, draft)


@router.post("/alerts/{alert_id}/action", response_model=None, dependencies=[CsrfChecked])
def alert_action(
    request: Request,
    session: SessionDep,
    user: WebUser,
    alert_id: RowId,
    action: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=5000)] = "",
    section_id: Annotated[str, Form(max_length=20)] = "",
    co_section_ids: Annotated[list[str] | None, Form(max_length=20)] = None,
    assignee_id: Annotated[str, Form(max_length=20)] = "",
    response: Annotated[str, Form(max_length=20000)] = "",
    channel: Annotated[str, Form(max_length=40)] = "website",
    link: Annotated[str, Form(max_length=2048)] = "",
    contact: Annotated[str, Form(max_length=2000)] = "",
    severity: Annotated[str, Form(max_length=20)] = "",
    satisfaction: Annotated[str, Form(max_length=20)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
    target_alert_id: Annotated[str, Form(max_length=20)] = "",
    extension_deadline: Annotated[str, Form(max_length=20)] = "",
    extension_amount: Annotated[str, Form(max_length=20)] = "",
    extension_unit: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Apply a lifecycle action, then go back to where the user came from (the alert page by default)."""
    # Parsed into the API's own TransitionIn: the page and the API refuse the same action alike.
    values: dict[str, Any] = {
        "action": action,
        "note": note or None,
        "section_id": form_int(section_id),
        "co_section_ids": [int(x) for x in co_section_ids or [] if x.strip().isdigit()] or None,
        "assignee_id": form_int(assignee_id),
        "response": {"content": response, "channel": channel, "link": link.strip() or None, "contact": contact}
        if response.strip()
        else None,
        "severity": severity.strip() or None,
        "satisfaction": satisfaction.strip() or None,
        "method": method.strip() or None,
        "target_alert_id": form_int(target_alert_id),
    }
    draft = {"note": note, "response": response, "link": link, "contact": contact}
    shown = refusal(request, session, user, alert_id, action, draft)
    with committing(session, MuqingError, shown=shown):
        if action == "request_extension":
            values["extension"] = _extension_input(extension_deadline, extension_amount, extension_unit)
        data = parse(TransitionIn, values, labels=FIELD_LABELS)
        alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
        transition(session, alert=alert, actor=user, **data.flow_kwargs())
    if back in ("/console", "/workbench"):
        # Back to the same card, so the keyboard user carries on where they were.
        return done(back, action, f"#case-{alert_id}")
    return done(f"/alerts/{alert_id}", action)


def _extension_input(deadline: str, amount: str, unit: str) -> dict[str, Any]:
    """What extension the form asks for; amount and unit left empty mean the policy's default."""
    if deadline and deadline not in EXTENSION_DEADLINES:
        raise InvalidInput("请选择要延长的时限", details={"field": "extension_deadline"})
    wanted: dict[str, Any] = {"deadline": deadline or "close"}
    if amount.strip():
        try:
            value = float(amount)
        except ValueError as exc:
            raise InvalidInput("延期时长应为数字", details={"field": "extension_amount"}) from exc
        if not 0 < value <= 1000:
            raise InvalidInput("延期时长应大于 0", details={"field": "extension_amount"})
        if unit not in EXTENSION_UNITS:
            raise InvalidInput("请选择延期时长的单位", details={"field": "extension_unit"})
        wanted.update(amount=value, unit=unit)
    return wanted


@router.post("/alerts/{alert_id}/posts/{post_id}/move", response_model=None, dependencies=[CsrfChecked])
def move_alert_post(
    request: Request,
    session: SessionDep,
    user: Annotated[User, require_roles(*COORDINATOR_ROLES)],
    alert_id: RowId,
    post_id: RowId,
    to_alert_id: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Move a post to another alert, or out into a new alert of its own (duty officers)."""
    with committing(session, MuqingError, shown=refusal(request, session, user, alert_id, "move")):
        alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
        target = move_post(
            session, alert=alert, post_id=post_id, actor=user, to_alert_id=form_int(to_alert_id), note=note
        )
    return done(f"/alerts/{target.id}", "moved")
