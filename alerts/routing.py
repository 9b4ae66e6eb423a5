"""Routing: rules are data, matched in priority order; every decision carries its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.models import RoutingRule
from core.models import Section
from core.types import CATEGORY_LABELS


@dataclass(frozen=True, slots=True)
class RoutingInput:
    """What a rule can look at."""

    category: str
    text: str
    severity: str
    source: str | None = None
    places: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Where a case goes and why."""

    section: Section | None
    rule: RoutingRule | None
    co_section_ids: list[int]
    reason: str


def rule_matches(rule: RoutingRule, item: RoutingInput) -> list[str] | None:
    """The reasons ``rule`` matches ``item``, or None when it does not."""
    match = rule.match or {}
    reasons: list[str] = []
    if categories := match.get("categories"):
        if item.category not in categories:
            return None
        reasons.append(f"类别为「{CATEGORY_LABELS.get(item.category, item.category)}」")
    if keywords := match.get("keywords"):
        found = [word for word in keywords if word in item.text]
        if not found:
            return None
        reasons.append(f"含关键词「{'、'.join(found)}」")
    if places := match.get("places"):
        hits = [place for place in places if place in item.places or place in item.text]
        if not hits:
            return None
        reasons.append(f"地点为「{'、'.join(hits)}」")
    if sources := match.get("sources"):
        if item.source not in sources:
            return None
        reasons.append(f"来源为「{item.source}」")
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
        return RoutingDecision(
            section=rule.section,
            rule=rule,
            co_section_ids=[int(x) for x in rule.co_section_ids or []],
            reason=f"规则「{rule.name}」：{why}，分派至{section_name}",
        )
    return RoutingDecision(section=None, rule=None, co_section_ids=[], reason="没有匹配的分派规则，待值班员人工分派")
