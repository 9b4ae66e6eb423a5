"""The leadership dashboard: timeliness per section, weekly trend, categories, overdue cases, towns, sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from alerts.lifecycle import TRANSITIONS
from api.deps import SessionDep
from core.models import User
from core.types import Role
from web import figures, queries
from web.security import require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

DashboardUser = Annotated[User, require_roles(Role.leader, Role.admin, Role.duty)]
PERIODS = {"week": "本周", "month": "本月", "30d": "近30天"}


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, user: DashboardUser, period: str = "30d") -> HTMLResponse:
    """Everything leadership reads at a glance, each chart with its table."""
    if period not in PERIODS:
        period = "30d"
    span = figures.period_from(period)
    rows = figures.timeliness(session, period=span)
    trend = figures.weekly_trend(session)
    categories = figures.category_counts(session, period=span)
    towns = figures.posts_per_town(session, period=span)
    overdue = queries.overdue_alerts(session, user=user)
    chart_data = {
        "sections": {
            "names": [r.name for r in rows],
            "ack": [
                None if r.figures.ack_on_time_rate is None else round(r.figures.ack_on_time_rate * 100) for r in rows
            ],
            "close": [
                None if r.figures.close_on_time_rate is None else round(r.figures.close_on_time_rate * 100)
                for r in rows
            ],
        },
        "trend": {"weeks": trend.weeks, "opened": trend.opened, "closed": trend.closed, "onTime": trend.on_time},
        "categories": {"names": [label for _, label, _ in categories], "counts": [n for *_, n in categories]},
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
            "trend": trend,
            "categories": categories,
            "towns": towns,
            "town_max": max([n for _, n, _ in towns] or [0]),
            "overdue": [(a, queries.next_due(a)) for a in overdue],
            "sources": figures.source_health(session),
            "chart_data": chart_data,
            # 督办 is an action of the lifecycle table once the alert workflow offers it.
            "can_escalate": "escalate" in TRANSITIONS and user.role in TRANSITIONS["escalate"].roles,
        },
        user=user,
        active="dashboard",
    )
