"""Routing: rules are data, matched in priority order; every decision carries its reason.

A rule's ``match`` may hold any of these keys (all given keys must match; an empty match matches all):
``categories``, ``keywords`` (any of them in the text), ``exclude_keywords`` (none of them in the text),
``places`` (a place entity or the name in the text), ``towns`` (a town or street by name, alias or one
of its villages), ``sources`` (source names), ``source_kinds``, ``severities`` and ``kinds``
(``complaint`` or ``info_request``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.routing.models import RoutingRule
from core.errors import InvalidInput
from core.models import Section
from core.service import get_section_by_code
from core.types import CATEGORY_LABELS

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
PLACES_FILE = Path(__file__).resolve().parents[2] / "core" / "resources" / "places.yaml"


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


@lru_cache(maxsize=1)
def town_names() -> dict[str, tuple[str, ...]]:
    """Each town or street of the district with every name that points at it (aliases, villages)."""
    data = yaml.safe_load(PLACES_FILE.read_text(encoding="utf-8")) if PLACES_FILE.exists() else {}
    towns = ((data or {}).get("district") or {}).get("towns") or []
    return {town["name"]: (town["name"], *(town.get("aliases") or []), *(town.get("villages") or [])) for town in towns}


def _town_hit(town: str, item: RoutingInput) -> bool:
    names = town_names().get(town, (town,))
    return any(name in item.places or name in item.text for name in names)


def validate_match(match: dict[str, Any]) -> dict[str, list[str]]:
    """A rule's match data checked: known keys, each a list of non-empty strings."""
    clean: dict[str, list[str]] = {}
    for key, value in match.items():
        if key not in MATCH_KEYS:
            raise InvalidInput(
                f"规则条件「{key}」无效，可用：{', '.join(MATCH_KEYS)}", details={"field": f"match.{key}"}
            )
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InvalidInput(f"规则条件「{key}」应为非空文字列表", details={"field": f"match.{key}"})
        if value:
            clean[key] = [v.strip() for v in value]
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
