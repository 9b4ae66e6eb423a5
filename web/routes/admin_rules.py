"""Administration of routing rules (with "try a text") and SLA policies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from alerts import holidays
from alerts.cases.lifecycle import POLICY_SEVERITIES
from alerts.cases.models import SlaPolicy
from alerts.routing.models import RoutingRule
from alerts.routing.service import RoutingInput, route, town_names, validate_match
from alerts.service import policy_for, work_calendar
from alerts.sla import UNITS, Limit, compute_deadlines
from core.errors import ConfigurationError, InvalidInput, NotFound
from core.models import Section, User
from core.timeutil import utcnow
from core.types import CATEGORY_LABELS, Role
from nlp.analyze import analyze
from web import figures
from web.deps import SessionDep
from web.pages import done
from web.security import CsrfChecked, require_roles
from web.templating import SEVERITIES, render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
UNIT_LABELS = {"minutes": "分钟", "hours": "小时（自然时）", "working_hours": "工作小时", "working_days": "工作日"}
LIMIT_LABELS = {"ack": "签收", "response": "首次回应", "close": "办结", "extension": "延期"}


def _words(value: str) -> list[str]:
    """Words separated by commas, Chinese commas, 、 or spaces."""
    for mark in ("，", "、", ",", "\n"):
        value = value.replace(mark, " ")
    return [word for word in value.split() if word]


def _rules_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    trial: dict[str, Any] | None = None,
    error: str = "",
    status_code: int = 200,
    edit: int | None = None,
) -> HTMLResponse:
    rules = session.scalars(
        select(RoutingRule).options(selectinload(RoutingRule.section)).order_by(RoutingRule.priority, RoutingRule.id)
    ).all()
    return render(
        request,
        "admin/routing.html",
        {
            "rules": rules,
            "sections": figures.sections(session),
            "section_names": {s.id: s.name for s in figures.sections(session)},
            "trial": trial,
            "error": error,
            "editing": next((r for r in rules if r.id == edit), None),
            "towns": list(town_names()),
            "tab": "routing",
        },
        user=user,
        active="admin",
        status_code=status_code,
    )


@router.get("/admin/routing")
def routing_page(request: Request, session: SessionDep, user: AdminUser, edit: int | None = None) -> HTMLResponse:
    """Routing rules in the order they are tried, the "try a text" box, and the rule form."""
    return _rules_page(request, session, user, edit=edit)


@router.post("/admin/routing/try", dependencies=[CsrfChecked])
def try_text(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    text: Annotated[str, Form(min_length=1, max_length=5000)],
) -> HTMLResponse:
    """Classify a text with the active model and show where the rules would send it, and why."""
    result = analyze(title="", text=text)
    decision = route(
        session,
        item=RoutingInput(
            category=result.category,
            text=text,
            severity=result.severity,
            places=tuple(result.entities.get("places", []) or []),
        ),
    )
    deadlines: list[tuple[str, datetime]] = []
    deadline_error = ""
    try:
        policy = policy_for(session, severity=result.severity, category=result.category, source_kind=None)
        due = compute_deadlines(calendar=work_calendar(session), limits=policy.limits, start=utcnow())
        deadlines = [
            (label, value)
            for label, value in (("签收", due.ack_due), ("首次回应", due.response_due), ("办结", due.close_due))
            if value is not None
        ]
    except ConfigurationError as exc:
        deadline_error = exc.message
    trial = {
        "text": text,
        "analysis": result,
        "decision": decision,
        "deadlines": deadlines,
        "deadline_error": deadline_error,
    }
    return _rules_page(request, session, user, trial=trial)


def _apply_rule_form(
    session: SessionDep,
    rule: RoutingRule,
    *,
    name: str,
    priority: int,
    section_id: str,
    co_section_ids: list[str],
    categories: list[str],
    keywords: str,
    exclude_keywords: str,
    places: str,
    towns: list[str],
    severities: list[str],
    enabled: bool,
    note: str,
) -> None:
    if not name.strip():
        raise InvalidInput("请填写规则名称", details={"field": "name"})
    with session.no_autoflush:
        section = session.get(Section, int(section_id)) if section_id.isdigit() else None
    match: dict[str, list[str]] = {}
    if chosen := [c for c in categories if c in CATEGORY_LABELS]:
        match["categories"] = chosen
    if words := _words(keywords):
        match["keywords"] = words
    if excluded := _words(exclude_keywords):
        match["exclude_keywords"] = excluded
    if named := _words(places):
        match["places"] = named
    if chosen_towns := [t for t in towns if t in town_names()]:
        match["towns"] = chosen_towns
    if levels := [s for s in severities if s in SEVERITIES]:
        match["severities"] = levels
    # Keys the form does not edit (sources, source kinds, kinds) are kept as they were.
    for key, value in (rule.match or {}).items():
        if key in ("sources", "source_kinds", "kinds"):
            match[key] = value
    rule.name = name.strip()
    rule.priority = priority
    rule.section = section
    rule.co_section_ids = [int(x) for x in co_section_ids if x.isdigit() and (section is None or int(x) != section.id)]
    rule.match = validate_match(match)
    rule.enabled = enabled
    rule.note = note.strip()


RuleForm = dict[str, Any]


@router.post("/admin/routing", response_model=None, dependencies=[CsrfChecked])
async def save_rule(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse | RedirectResponse:
    """Create a rule (no id) or update one (id given)."""
    form = await request.form()
    rule_id = str(form.get("id", ""))
    rule: RoutingRule | None
    if rule_id.isdigit():
        rule = session.get(RoutingRule, int(rule_id))
        if rule is None:
            raise NotFound(f"规则 {rule_id} 不存在")
    else:
        rule = RoutingRule()
    try:
        priority_text = str(form.get("priority", "100")).strip() or "100"
        if not priority_text.lstrip("-").isdigit():
            raise InvalidInput("优先级应为整数", details={"field": "priority"})
        _apply_rule_form(
            session,
            rule,
            name=str(form.get("name", ""))[:100],
            priority=int(priority_text),
            section_id=str(form.get("section_id", "")),
            co_section_ids=[str(v) for v in form.getlist("co_section_ids")],
            categories=[str(v) for v in form.getlist("categories")],
            keywords=str(form.get("keywords", ""))[:2000],
            exclude_keywords=str(form.get("exclude_keywords", ""))[:2000],
            places=str(form.get("places", ""))[:2000],
            towns=[str(v) for v in form.getlist("towns")],
            severities=[str(v) for v in form.getlist("severities")],
            enabled=bool(form.get("enabled")),
            note=str(form.get("note", ""))[:1000],
        )
        with session.no_autoflush:
            duplicate = session.scalar(select(RoutingRule.id).where(RoutingRule.name == rule.name))
        if duplicate is not None and duplicate != rule.id:
            raise InvalidInput(f"已有名为「{rule.name}」的规则", details={"field": "name"})
        session.add(rule)
        session.commit()
    except InvalidInput as exc:
        session.rollback()
        return _rules_page(request, session, user, error=exc.message, status_code=400)
    return done("/admin/routing", "saved")


@router.post("/admin/routing/{rule_id}/delete", dependencies=[CsrfChecked])
def delete_rule(session: SessionDep, user: AdminUser, rule_id: int) -> RedirectResponse:
    """Remove a rule (cases it routed keep their recorded reason)."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"规则 {rule_id} 不存在")
    session.delete(rule)
    session.commit()
    return done("/admin/routing", "deleted")


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
    request: Request, session: SessionDep, user: AdminUser, policy_id: int
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
