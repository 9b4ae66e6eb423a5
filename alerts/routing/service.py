"""Routing: rules are data, matched in priority order; every decision carries its reason.

A rule's ``match`` may hold any of these keys (all given keys must match; an empty match matches all):
``categories``, ``keywords`` (any of them in the text), ``exclude_keywords`` (none of them in the text),
``places`` (a place entity or the name in the text), ``towns`` (a town or street by name, alias or one
of its villages), ``sources`` (source names), ``source_kinds``, ``severities`` and ``kinds``
(``complaint`` or ``info_request``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.lifecycle import INFO_REQUEST, POLICY_SEVERITIES
from alerts.routing.models import RoutingRule
from alerts.routing.schemas import RuleIn, RuleTrial, TryTextIn, TryTextOut
from alerts.sla.calendar import compute_deadlines
from alerts.sla.service import policy_for, work_calendar
from core.district.data import District, district
from core.errors import ConfigurationError, Conflict, InvalidInput, NotFound
from core.models import Section
from core.privacy import keep_unmasked, keep_unmasked_value
from core.schemas import SectionRef
from core.service import get_section_by_code
from core.timeutil import isoformat_local, utcnow
from core.types import CATEGORY_LABELS, Category

MATCH_KEYS = (
    "categories",
    "keywords",
    "exclude_keywords",
    "places",
    "towns",
    "sources",
    "source_kinds",
    "severities",
    "kinds",
)


@dataclass(frozen=True, slots=True)
class RoutingInput:
    """What a rule can look at."""

    category: str
    text: str
    severity: str
    source: str | None = None
    places: Sequence[str] = ()
    source_kind: str | None = None
    kind: str = "complaint"


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Where a case goes and why."""

    section: Section | None
    rule: RoutingRule | None
    co_section_ids: list[int]
    reason: str


def town_names() -> dict[str, tuple[str, ...]]:
    """Each town or street of the district with every name that points at it (aliases, villages, landmarks)."""
    return _town_names(district())


@lru_cache(maxsize=4)
def _town_names(data: District) -> dict[str, tuple[str, ...]]:
    return {town.name: (town.name, *town.aliases, *town.villages, *town.landmarks) for town in data.towns}


def _town_hit(town: str, item: RoutingInput) -> bool:
    names = town_names().get(town, (town,))
    return any(name in item.places or name in item.text for name in names)


# Keys whose values come from a closed set: anything else could never match.
CLOSED_VALUES: dict[str, tuple[str, ...]] = {
    "categories": tuple(c.value for c in Category),
    "severities": POLICY_SEVERITIES,
    "kinds": ("complaint", "info_request"),
}


def validate_match(match: dict[str, Any]) -> dict[str, list[str]]:
    """A rule's match data checked: known keys, each a list of non-empty strings from its set of values."""
    clean: dict[str, list[str]] = {}
    for key, value in match.items():
        field = f"match.{key}"
        if key not in MATCH_KEYS:
            raise InvalidInput(f"规则条件「{key}」无效，可用：{', '.join(MATCH_KEYS)}", details={"field": field})
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InvalidInput(f"规则条件「{key}」应为非空文字列表", details={"field": field})
        values = [v.strip() for v in value]
        unknown = [v for v in values if key in CLOSED_VALUES and v not in CLOSED_VALUES[key]]
        if unknown:
            allowed = "、".join(CLOSED_VALUES[key])
            raise InvalidInput(
                f"规则条件「{key}」的值「{'、'.join(unknown)}」无效，可用：{allowed}", details={"field": field}
            )
        if values:
            clean[key] = values
    return clean


def rule_matches(rule: RoutingRule, item: RoutingInput) -> list[str] | None:
    """The reasons ``rule`` matches ``item``, or None when it does not."""
    match = rule.match or {}
    reasons: list[str] = []
    if kinds := match.get("kinds"):
        if item.kind not in kinds:
            return None
        reasons.append("类型为「依申请公开」" if item.kind == "info_request" else "类型为「舆情诉求」")
    if categories := match.get("categories"):
        if item.category not in categories:
            return None
        reasons.append(f"类别为「{CATEGORY_LABELS.get(item.category, item.category)}」")
    if keywords := match.get("keywords"):
        found = [word for word in keywords if word in item.text]
        if not found:
            return None
        reasons.append(f"含关键词「{'、'.join(found)}」")
    if any(word in item.text for word in match.get("exclude_keywords") or []):
        return None
    if places := match.get("places"):
        hits = [place for place in places if place in item.places or place in item.text]
        if not hits:
            return None
        reasons.append(f"地点为「{'、'.join(hits)}」")
    if towns := match.get("towns"):
        hits = [town for town in towns if _town_hit(town, item)]
        if not hits:
            return None
        reasons.append(f"属地为「{'、'.join(hits)}」")
    if sources := match.get("sources"):
        if item.source not in sources:
            return None
        reasons.append(f"来源为「{item.source}」")
    if source_kinds := match.get("source_kinds"):
        if item.source_kind not in source_kinds:
            return None
        reasons.append(f"来源类型为「{item.source_kind}」")
    if severities := match.get("severities"):
        if item.severity not in severities:
            return None
        reasons.append(f"级别为「{item.severity}」")
    return reasons


def route(session: Session, *, item: RoutingInput) -> RoutingDecision:
    """The first enabled rule (by priority, then id) that matches, or no section when none does."""
    rules = session.scalars(
        select(RoutingRule).where(RoutingRule.enabled.is_(True)).order_by(RoutingRule.priority, RoutingRule.id)
    )
    for rule in rules:
        reasons = rule_matches(rule, item)
        if reasons is None:
            continue
        section_name = rule.section.name if rule.section else "（不分派）"
        why = "，".join(reasons) or "无条件"
        co_ids = [int(x) for x in rule.co_section_ids or [] if int(x) != rule.section_id]
        co_names = [s.name for s in session.scalars(select(Section).where(Section.id.in_(co_ids)).order_by(Section.id))]
        co_text = f"，协办：{'、'.join(co_names)}" if co_names else ""
        return RoutingDecision(
            section=rule.section,
            rule=rule,
            co_section_ids=co_ids,
            reason=f"规则「{rule.name}」：{why}，分派至{section_name}{co_text}",
        )
    return RoutingDecision(section=None, rule=None, co_section_ids=[], reason="没有匹配的分派规则，待值班员人工分派")


def ensure_rule(session: Session, *, spec: dict[str, Any]) -> None:
    """Store a shipped rule (sections by code) unless one of its name exists (seeding)."""
    if session.scalar(select(RoutingRule).where(RoutingRule.name == spec["name"])) is not None:
        return
    lead = get_section_by_code(session, code=spec["section"]) if spec.get("section") else None
    co_ids = [get_section_by_code(session, code=code).id for code in spec.get("co_sections", [])]
    session.add(
        RoutingRule(
            name=spec["name"],
            priority=spec.get("priority", 100),
            match=spec.get("match", {}),
            section=lead,
            co_section_ids=co_ids,
            note=spec.get("note", ""),
        )
    )


def list_rules(session: Session) -> list[RoutingRule]:
    """Every rule in the order they are tried (priority, then id)."""
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.priority, RoutingRule.id)))


def get_rule(session: Session, *, rule_id: int) -> RoutingRule:
    """One rule, or NotFound."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"分派规则 {rule_id} 不存在")
    return rule


def save_rule(session: Session, *, data: RuleIn, rule_id: int | None = None) -> RoutingRule:
    """Create a rule (no id) or change one; its sections must exist, its name be free, its match valid."""
    rule = get_rule(session, rule_id=rule_id) if rule_id is not None else RoutingRule()
    with session.no_autoflush:
        for field, ids in (
            ("section_id", [data.section_id] if data.section_id else []),
            ("co_section_ids", data.co_section_ids),
        ):
            for section_id in ids:
                if session.get(Section, section_id) is None:
                    raise InvalidInput(f"科室 {section_id} 不存在", details={"field": field})
        name = keep_unmasked(data.name.strip(), of=rule.name)
        if not name:
            raise InvalidInput("请填写规则名称", details={"field": "name"})
        clash = session.scalar(select(RoutingRule.id).where(RoutingRule.name == name))
        if clash is not None and clash != rule.id:
            raise Conflict(f"已有名为「{name}」的规则", details={"field": "name"})
        match = validate_match(keep_unmasked_value(data.match, of=rule.match))
    # The form shows the stored text masked: what comes back untouched keeps the original.
    rule.note = keep_unmasked(data.note.strip(), of=rule.note)
    rule.name, rule.priority, rule.enabled = name, data.priority, data.enabled
    rule.match = match
    rule.section_id = data.section_id
    rule.co_section_ids = [i for i in dict.fromkeys(data.co_section_ids) if i != data.section_id]
    if rule_id is None:
        session.add(rule)
    session.flush()
    session.refresh(rule)
    return rule


def delete_rule(session: Session, *, rule_id: int) -> None:
    """Remove a rule (cases it routed keep their recorded reason)."""
    session.delete(get_rule(session, rule_id=rule_id))
    session.flush()


# (title, text) -> the classifier's verdict: category, severity, needs_response, score, reasons, entities.
Classify = Callable[[str, str], Any]


def try_text(session: Session, *, data: TryTextIn, classify: Classify) -> TryTextOut:
    """Where a text would go: ``classify``'s category and severity unless given, each rule's verdict, deadlines."""
    category: str | None = data.category
    severity: str | None = data.severity
    places = list(data.places)
    verdict = None
    if category is None or severity is None:
        verdict = classify(data.title, data.text)
        category = category or verdict.category
        severity = severity or verdict.severity
        places = places or list((verdict.entities or {}).get("places", []))
    if data.kind == "info_request":
        severity = INFO_REQUEST
    if category not in {c.value for c in Category}:
        raise InvalidInput(f"类别「{category}」无效", details={"field": "category"})
    assert severity is not None
    item = RoutingInput(
        category=category,
        text=f"{data.title}\n{data.text}",
        severity=severity,
        source=data.source,
        places=tuple(places),
        source_kind=data.source_kind,
        kind=data.kind,
    )
    decision = route(session, item=item)
    trials = []
    for rule in (rule for rule in list_rules(session) if rule.enabled):
        reasons = rule_matches(rule, item)
        trials.append(RuleTrial(rule_id=rule.id, name=rule.name, matched=reasons is not None, reasons=reasons or []))
    co_sections = session.scalars(select(Section).where(Section.id.in_(decision.co_section_ids)).order_by(Section.id))
    return TryTextOut(
        category=category,
        severity=severity,
        classified=verdict is not None,
        needs_response=verdict.needs_response if verdict is not None else None,
        score=verdict.score if verdict is not None else None,
        evidence=list(verdict.reasons or []) if verdict is not None else [],
        section=SectionRef.model_validate(decision.section) if decision.section else None,
        co_sections=[SectionRef.model_validate(s) for s in co_sections],
        rule_id=decision.rule.id if decision.rule else None,
        reason=decision.reason,
        rules=trials,
        deadlines=_deadlines_now(session, severity=severity, category=category, source_kind=data.source_kind),
    )


def _deadlines_now(session: Session, *, severity: str, category: str, source_kind: str | None) -> dict[str, str]:
    """The deadlines a case opened now would get (``error`` says why there are none)."""
    try:
        policy = policy_for(session, severity=severity, category=category, source_kind=source_kind)
        due = compute_deadlines(calendar=work_calendar(session), limits=policy.limits, start=utcnow())
    except ConfigurationError as exc:
        return {"error": exc.message}
    found = {"ack_due": due.ack_due, "response_due": due.response_due, "close_due": due.close_due}
    return {name: isoformat_local(value) or "" for name, value in found.items() if value is not None}
