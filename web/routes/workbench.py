"""The section workbench: the section's cases by due date, overdue first, and the head's sign-off queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import selectinload

from alerts.cases.models import Alert
from alerts.cases.service import visible_alerts
from core.models import User
from core.timeutil import utcnow
from core.types import Role
from web import queries
from web.deps import SessionDep
from web.routes.alerts import case_actions
from web.security import require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

SectionUser = Annotated[User, require_roles(Role.staff, Role.head)]
RECENT_DAYS = 30


@router.get("/workbench")
def workbench(request: Request, session: SessionDep, user: SectionUser) -> HTMLResponse:
    """The section's queues: to take up, in hand, awaiting sign-off, recently closed."""
    now = utcnow()

    def queue(*statuses: str) -> list[tuple[Alert, object, list[str], bool]]:
        items = queries.open_alerts(session, user=user, statuses=statuses)
        return [(a, queries.next_due(a), case_actions(session, a, user), queries.is_overdue(a, now)) for a in items]

    closed = list(
        session.scalars(
            visible_alerts(user)
            .where(Alert.status == "closed", Alert.closed_at >= now - timedelta(days=RECENT_DAYS))
            .options(selectinload(Alert.section))
            .order_by(Alert.closed_at.desc())
            .limit(50)
        )
    )
    queues = [
        ("incoming", "待接办", queue("assigned")),
        ("working", "办理中", queue("in_progress")),
        ("signoff", "待审核办结" if user.role == Role.head else "已回应待办结", queue("responded")),
    ]
    if user.role == Role.head:
        queues.insert(0, queues.pop(2))
        # Extension requests the head decides (those the leader decides are not the head's to act on).
        asked = [item for item in (*queues[1][2], *queues[2][2]) if "approve_extension" in item[2]]
        queues.insert(1, ("extension", "延期待审批", asked))
    # 督办 reaches the section before the duty officer assigns the case to it: show it here at once.
    supervised = [item for item in queue("new", "acknowledged") if item[0].escalated]
    if supervised:
        queues.insert(0, ("escalated", "督办（待转办）", supervised))
    overdue = sum(1 for _, _, items in queues for *_, late in items if late)
    return render(
        request,
        "workbench.html",
        {"queues": queues, "closed": closed, "overdue": overdue, "sections": queries.active_sections(session)},
        user=user,
        active="workbench",
    )
