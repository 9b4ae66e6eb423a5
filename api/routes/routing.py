"""Routing rules as data (CRUD) and "try a text": where would this text go, and why."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from alerts.cases.lifecycle import INFO_REQUEST
from alerts.routing.models import RoutingRule
from alerts.routing.schemas import RuleIn, RuleOut, RuleTrial, TryTextIn, TryTextOut
from alerts.routing.service import RoutingInput, route, rule_matches, validate_match
from alerts.service import policy_for, work_calendar
from alerts.sla import compute_deadlines
from api.deps import CurrentUser, SessionDep, require_roles
from core.errors import ConfigurationError, Conflict, InvalidInput, NotFound
from core.models import Section
from core.schemas import SectionRef
from core.timeutil import isoformat_local, utcnow
from core.types import Category, Role

router = APIRouter(prefix="/routing", tags=["routing"])
ADMIN = require_roles(Role.admin)


@router.get("/rules")
def list_rules(session: SessionDep, user: CurrentUser) -> list[RuleOut]:
    """Every rule in the order they are tried (priority, then id)."""
    rules = session.scalars(select(RoutingRule).order_by(RoutingRule.priority, RoutingRule.id))
    return [RuleOut.model_validate(rule) for rule in rules]


@router.get("/rules/{rule_id}")
def get_rule(session: SessionDep, user: CurrentUser, rule_id: int) -> RuleOut:
    """One rule."""
    return RuleOut.model_validate(_rule(session, rule_id))


def _rule(session: SessionDep, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"分派规则 {rule_id} 不存在")
    return rule


def _apply(session: SessionDep, rule: RoutingRule, body: RuleIn) -> None:
    for field, ids in (
        ("section_id", [body.section_id] if body.section_id else []),
        ("co_section_ids", body.co_section_ids),
    ):
        for section_id in ids:
            if session.get(Section, section_id) is None:
                raise InvalidInput(f"科室 {section_id} 不存在", details={"field": field})
    clash = session.scalar(select(RoutingRule).where(RoutingRule.name == body.name))
    if clash is not None and clash is not rule:
        raise Conflict(f"已有名为「{body.name}」的规则", details={"field": "name"})
    rule.name, rule.priority, rule.enabled, rule.note = body.name, body.priority, body.enabled, body.note
    rule.match = validate_match(body.match)
    rule.section_id = body.section_id
    rule.co_section_ids = [i for i in dict.fromkeys(body.co_section_ids) if i != body.section_id]


@router.post("/rules", status_code=201, dependencies=[ADMIN])
def create_rule(session: SessionDep, body: RuleIn) -> RuleOut:
    """Add a rule."""
    rule = RoutingRule()
    _apply(session, rule, body)
    session.add(rule)
    session.commit()
    session.refresh(rule)
    return RuleOut.model_validate(rule)


@router.put("/rules/{rule_id}", dependencies=[ADMIN])
def update_rule(session: SessionDep, rule_id: int, body: RuleIn) -> RuleOut:
    """Change a rule (cases already routed keep the rule's name in their reason)."""
    rule = _rule(session, rule_id)
    _apply(session, rule, body)
    session.commit()
    session.refresh(rule)
    return RuleOut.model_validate(rule)


@router.delete("/rules/{rule_id}", status_code=204, dependencies=[ADMIN])
def delete_rule(session: SessionDep, rule_id: int) -> Response:
    """Remove a rule (prefer disabling it: ``enabled: false``)."""
    session.delete(_rule(session, rule_id))
    session.commit()
    return Response(status_code=204)


@router.post("/try")
def try_text(session: SessionDep, user: CurrentUser, body: TryTextIn) -> TryTextOut:
    """Where a text would go: the classifier's category and severity (unless given), each rule's verdict."""
    category: str | None = body.category
    severity: str | None = body.severity
    classified = False
    places = list(body.places)
    if category is None or severity is None:
        from nlp.analyze import analyze

        result = analyze(title=body.title, text=body.text)
        category = category or result.category
        severity = severity or result.severity
        places = places or list((result.entities or {}).get("places", []))
        classified = True
    if body.kind == "info_request":
        severity = INFO_REQUEST
    assert severity is not None
    if category not in {c.value for c in Category}:
        raise InvalidInput(f"类别「{category}」无效", details={"field": "category"})
    item = RoutingInput(
        category=category,
        text=f"{body.title}\n{body.text}",
        severity=severity,
        source=body.source,
        places=tuple(places),
        source_kind=body.source_kind,
        kind=body.kind,
    )
    decision = route(session, item=item)
    trials = []
    for rule in session.scalars(
        select(RoutingRule).where(RoutingRule.enabled.is_(True)).order_by(RoutingRule.priority, RoutingRule.id)
    ):
        reasons = rule_matches(rule, item)
        trials.append(RuleTrial(rule_id=rule.id, name=rule.name, matched=reasons is not None, reasons=reasons or []))
    co_sections = session.scalars(select(Section).where(Section.id.in_(decision.co_section_ids)).order_by(Section.id))
    deadlines: dict[str, str] = {}
    try:
        policy = policy_for(session, severity=severity, category=category, source_kind=body.source_kind)
        due = compute_deadlines(calendar=work_calendar(session), limits=policy.limits, start=utcnow())
        for name, value in (("ack_due", due.ack_due), ("response_due", due.response_due), ("close_due", due.close_due)):
            if value is not None:
                deadlines[name] = isoformat_local(value) or ""
    except ConfigurationError as exc:
        deadlines["error"] = exc.message
    return TryTextOut(
        category=category,
        severity=severity,
        classified=classified,
        section=SectionRef.model_validate(decision.section) if decision.section else None,
        co_sections=[SectionRef.model_validate(s) for s in co_sections],
        rule_id=decision.rule.id if decision.rule else None,
        reason=decision.reason,
        rules=trials,
        deadlines=deadlines,
    )
