"""Alerts: list, detail, lifecycle transitions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from alerts import service
from alerts.flows import transition
from alerts.lifecycle import Status, allowed_actions
from alerts.schemas import AlertDetail, AlertItem, AlertList, TransitionIn
from api.deps import CurrentUser, SessionDep
from core.types import Category, Severity

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("")
def list_alerts(
    session: SessionDep,
    user: CurrentUser,
    status: Annotated[list[Status] | None, Query()] = None,
    section_id: int | None = None,
    severity: Severity | None = None,
    category: Category | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertList:
    """Alerts visible to the user, newest first, with optional filters."""
    items, total = service.list_alerts(
        session,
        user=user,
        status=[s.value for s in status or []],
        section_id=section_id,
        severity=severity.value if severity else None,
        category=category.value if category else None,
        limit=limit,
        offset=offset,
    )
    return AlertList(items=[AlertItem.model_validate(a) for a in items], total=total)


def _detail(session: SessionDep, user: CurrentUser, alert_id: int) -> AlertDetail:
    alert = service.get_alert(session, user=user, alert_id=alert_id)
    fields = {name: getattr(alert, name) for name in AlertDetail.model_fields if name != "allowed_actions"}
    return AlertDetail.model_validate(
        {**fields, "allowed_actions": allowed_actions(status=alert.status, role=user.role)}
    )


@router.get("/{alert_id}")
def get_alert(session: SessionDep, user: CurrentUser, alert_id: int) -> AlertDetail:
    """One alert with its posts, audit log and responses (404 when not visible to the user)."""
    return _detail(session, user, alert_id)


@router.post("/{alert_id}/transitions")
def post_transition(session: SessionDep, user: CurrentUser, alert_id: int, body: TransitionIn) -> AlertDetail:
    """Apply a lifecycle action; illegal moves are refused with 409."""
    alert = service.get_alert(session, user=user, alert_id=alert_id)
    transition(
        session,
        alert=alert,
        actor=user,
        action=body.action,
        section_id=body.section_id,
        note=body.note,
        response=body.response_input(),
    )
    session.commit()
    session.expire_all()
    return _detail(session, user, alert_id)
