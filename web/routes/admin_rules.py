"""Administration of SLA policies, with a trial of the deadlines a case would get (routing: admin_routing)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from alerts import holidays
from alerts.cases.lifecycle import POLICY_SEVERITIES
from alerts.cases.models import SlaPolicy
from alerts.sla import UNITS, Limit
from core.bounds import RowId
from core.errors import ConfigurationError, InvalidInput, NotFound
from core.models import User
from core.timeutil import utcnow
from core.types import Role
from web.deps import SessionDep
from web.pages import done
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
UNIT_LABELS = {"minutes": "分钟", "hours": "小时（自然时）", "working_hours": "工作小时", "working_days": "工作日"}
LIMIT_LABELS = {"ack": "签收", "response": "首次回应", "close": "办结", "extension": "延期"}


@router.get("/admin/sla")
def sla_page(
    request: Request, session: SessionDep, user: AdminUser, severity: str = "", start: str = ""
) -> HTMLResponse:
    """Time limits per severity, and a trial: the deadlines of a case opened at a given time, and why."""
    if not severity:
        return _sla_page(request, session, user)
    try:
        try:
            moment = datetime.fromisoformat(start) if start else utcnow()
        except ValueError as exc:
            raise InvalidInput("开始时间格式有误", details={"field": "start"}) from exc
        trial = holidays.explain(severity=severity, start=moment, session=session)
    except (InvalidInput, ConfigurationError) as exc:
        return _sla_page(request, session, user, error=exc.message, status_code=400, asked=(severity, start))
    return _sla_page(request, session, user, trial=trial, asked=(severity, start))


def _sla_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: str = "",
    status_code: int = 200,
    trial: holidays.Explanation | None = None,
    asked: tuple[str, str] = ("一般", ""),
) -> HTMLResponse:
    policies = session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all()
    return render(
        request,
        "admin/sla.html",
        {
            "policies": policies,
            "units": UNIT_LABELS,
            "limit_labels": LIMIT_LABELS,
            "describe": lambda value: Limit.parse(value).describe(),
            "error": error,
            "trial": trial,
            "asked": asked,
            "severities": POLICY_SEVERITIES,
            "limit_names": LIMIT_LABELS,
            "tab": "sla",
        },
        user=user,
        active="admin",
        status_code=status_code,
    )


@router.post("/admin/sla/{policy_id}", response_model=None, dependencies=[CsrfChecked])
async def save_policy(
    request: Request, session: SessionDep, user: AdminUser, policy_id: RowId
) -> HTMLResponse | RedirectResponse:
    """Change a policy's limits; new cases use them, existing deadlines stay as computed."""
    policy = session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound(f"时限政策 {policy_id} 不存在")
    form = await request.form()
    limits: dict[str, dict[str, object]] = {}
    try:
        for key, label in LIMIT_LABELS.items():
            amount = str(form.get(f"{key}_amount", "")).strip()
            unit = str(form.get(f"{key}_unit", ""))
            if not amount:
                continue
            try:
                number: float | int = float(amount) if "." in amount else int(amount)
            except ValueError as exc:
                raise InvalidInput(f"{label}时限应为数字", details={"field": key}) from exc
            if number <= 0 or unit not in UNITS:
                raise InvalidInput(f"{label}时限应为正数并选择单位", details={"field": key})
            Limit.parse({"amount": number, "unit": unit})
            limits[key] = {"amount": number, "unit": unit}
        if "ack" not in limits or "close" not in limits:
            raise InvalidInput("签收和办结时限必须填写", details={"field": "ack"})
    except InvalidInput as exc:
        return _sla_page(request, session, user, error=exc.message, status_code=400)
    policy.limits = limits
    policy.enabled = bool(form.get("enabled"))
    session.commit()
    return done("/admin/sla", "saved")
