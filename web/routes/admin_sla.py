"""Administration of SLA policies, with a trial of the deadlines a case would get: the form is parsed into the
API's ``PolicyIn`` and saved by the SLA room's service (``alerts.sla.service``), so the page and the API
answer alike. Holiday years are ``admin_holidays``; routing is ``admin_routing``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from alerts.cases.lifecycle import POLICY_SEVERITIES
from alerts.sla import holidays
from alerts.sla import service as sla
from alerts.sla.calendar import Limit
from alerts.sla.models import SlaPolicy
from alerts.sla.schemas import PolicyIn
from core.bounds import RowId
from core.errors import ConfigurationError, Conflict, InvalidInput, MuqingError
from core.models import User
from core.timeutil import utcnow
from core.types import Role
from web.deps import SessionDep
from web.forms import parse
from web.pages import committing, done, form_error
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
UNIT_LABELS = {"minutes": "分钟", "hours": "小时（自然时）", "working_hours": "工作小时", "working_days": "工作日"}
LIMIT_LABELS = {"ack": "签收", "response": "首次回应", "close": "办结", "extension": "延期"}
POLICY_LABELS = {
    **{f"limits.{key}": f"{label}时限" for key, label in LIMIT_LABELS.items()},
    **{f"limits.{key}.amount": f"{label}时限" for key, label in LIMIT_LABELS.items()},
    **{f"limits.{key}.unit": f"{label}时限单位" for key, label in LIMIT_LABELS.items()},
}


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


def _context(session: SessionDep, **extra: Any) -> dict[str, Any]:
    return {
        "policies": sla.list_policies(session),
        "units": UNIT_LABELS,
        "limit_labels": LIMIT_LABELS,
        "describe": lambda value: Limit.parse(value).describe(),
        "error": "",
        "trial": None,
        "asked": ("一般", ""),
        "severities": POLICY_SEVERITIES,
        "limit_names": LIMIT_LABELS,
        "tab": "sla",
        **extra,
    }


def _sla_page(
    request: Request, session: SessionDep, user: User, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    context = _context(session, **extra)
    return render(request, "admin/sla.html", context, user=user, active="admin", status_code=status_code)


def policy_input(form: FormData, *, policy: SlaPolicy) -> PolicyIn:
    """The policy a form describes, as the API would receive it: the form edits the limits and the switch."""
    limits: dict[str, dict[str, str]] = {}
    for key in LIMIT_LABELS:
        amount = str(form.get(f"{key}_amount", "")).strip()
        if amount:
            limits[key] = {"amount": amount, "unit": str(form.get(f"{key}_unit", ""))}
    kept = {field: getattr(policy, field) for field in PolicyIn.model_fields if field not in ("limits", "enabled")}
    values = {**kept, "limits": limits, "enabled": bool(form.get("enabled"))}
    return parse(PolicyIn, values, labels=POLICY_LABELS)


@router.post("/admin/sla/{policy_id}", response_model=None, dependencies=[CsrfChecked])
async def save_policy(
    request: Request, session: SessionDep, user: AdminUser, policy_id: RowId
) -> HTMLResponse | RedirectResponse:
    """Change a policy's limits; new cases use them, existing deadlines stay as computed."""
    form = await request.form()

    def shown(exc: MuqingError) -> HTMLResponse:
        return form_error(request, "admin/sla.html", _context(session), exc, user=user)

    with committing(session, InvalidInput, Conflict, shown=shown):
        data = policy_input(form, policy=sla.get_policy(session, policy_id=policy_id))
        sla.save_policy(session, data=data, policy_id=policy_id)
    return done("/admin/sla", "saved")
