"""The leadership dashboard: timeliness per section, weekly trend, categories, overdue cases, towns, sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from alerts.cases import service as alert_service
from alerts.cases.flows import transition
from alerts.cases.lifecycle import TRANSITIONS
from core.bounds import RowId
from core.models import User
from core.types import Role
from web import figures, queries
from web.deps import SessionDep
from web.pages import done
from web.routes.disclosure import reminder as report_reminder
from web.routes.responses import quality_context
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

DashboardUser = Annotated[User, require_roles(Role.leader, Role.admin, Role.duty)]
SupervisorUser = Annotated[User, require_roles(*TRANSITIONS["escalate"].roles)]
PERIODS = {"week": "本周", "month": "本月", "30d": "近30天"}


def _percent(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, user: DashboardUser, period: str = "30d") -> HTMLResponse:
    """Everything leadership reads at a glance, each chart with its table."""
    if period not in PERIODS:
        period = "30d"
    span = figures.period_from(period)
    rows = figures.timeliness(session, period=span)
    trend = figures.weekly_trend(session)
    categories = figures.category_figures(session, period=span)
    grid = figures.town_grid(session, period=span)
    towns = grid.towns
    overdue = queries.overdue_alerts(session, user=user)
    sources = figures.source_health(session, crawled_only=True)
    chart_data = {
        "sections": {
            "names": [r.name for r in rows],
            "ack": [_percent(r.figures.ack_on_time_rate) for r in rows],
            "response": [_percent(r.figures.response_on_time_rate) for r in rows],
            "close": [_percent(r.figures.close_on_time_rate) for r in rows],
        },
        "trend": {"weeks": trend.weeks, "opened": trend.opened, "closed": trend.closed, "onTime": trend.on_time},
        "categories": {"names": [c.label for c in categories], "counts": [c.figures.alerts for c in categories]},
    }
    return render(
        request,
        "dashboard.html",
        {
            "period": period,
            "periods": PERIODS,
            "span": span,
            "rows": rows,
            "all": figures.total(rows),
            "columns": figures.FIGURE_COLUMNS,
            "trend": trend,
            "categories": categories,
            "towns": towns,
            "unresolved_places": grid.unresolved,
            "town_max": max([n for _, n, _ in towns] or [0]),
            "overdue": [(a, queries.next_due(a)) for a in overdue],
            "sources": sources,
            "blind": [h for h in sources if h.blind],
            "chart_data": chart_data,
            "can_escalate": user.role in TRANSITIONS["escalate"].roles,
            **quality_context(session, period=span),
            "report_reminder": report_reminder(session),
        },
        user=user,
        active="dashboard",
    )


@router.post("/dashboard/escalate/{alert_id}", dependencies=[CsrfChecked])
def escalate(
    session: SessionDep,
    user: SupervisorUser,
    alert_id: RowId,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """督办 an overdue case from the dashboard: the lifecycle's escalate action, logged with the note."""
    alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
    transition(session, alert=alert, actor=user, action="escalate", note=note)
    session.commit()
    return done("/dashboard", "escalate", "#overdue")
