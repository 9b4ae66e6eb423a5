"""Alert queries, visibility, policy lookup and default data. Keyword-only, no web code."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from alerts.models import Alert, AlertPost, RoutingRule, SlaPolicy
from alerts.sla import WorkCalendar, parse_office_hours
from core.config import get_settings
from core.errors import ConfigurationError, NotFound
from core.models import User
from core.service import ensure_section, get_section_by_code
from core.timeutil import local_zone
from core.types import Role

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")


def load_defaults(path: Path = DEFAULTS_FILE) -> dict[str, Any]:
    """The default organisation, routing rules and SLA policies as data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: 应为 YAML 映射")
    return data


def seed_defaults(session: Session, *, path: Path = DEFAULTS_FILE) -> None:
    """Create the default sections, routing rules and SLA policies that are missing (idempotent)."""
    data = load_defaults(path)
    for section in data.get("sections", []):
        ensure_section(session, code=section["code"], name=section["name"], description=section.get("description", ""))
    for rule in data.get("routing_rules", []):
        if session.scalar(select(RoutingRule).where(RoutingRule.name == rule["name"])) is not None:
            continue
        lead = get_section_by_code(session, code=rule["section"]) if rule.get("section") else None
        co_ids = [get_section_by_code(session, code=code).id for code in rule.get("co_sections", [])]
        session.add(
            RoutingRule(
                name=rule["name"],
                priority=rule.get("priority", 100),
                match=rule.get("match", {}),
                section=lead,
                co_section_ids=co_ids,
                note=rule.get("note", ""),
            )
        )
    for policy in data.get("sla_policies", []):
        if session.scalar(select(SlaPolicy).where(SlaPolicy.name == policy["name"])) is not None:
            continue
        session.add(
            SlaPolicy(
                name=policy["name"],
                severity=policy["severity"],
                category=policy.get("category"),
                limits=policy["limits"],
            )
        )
    session.flush()


def work_calendar() -> WorkCalendar:
    """The working-day calendar with the configured office hours."""
    settings = get_settings()
    return WorkCalendar(zone=local_zone(), office_hours=parse_office_hours(settings.office_hours))


def policy_for(session: Session, *, severity: str, category: str | None = None) -> SlaPolicy:
    """The SLA policy for a severity, preferring one specific to the category."""
    candidates = session.scalars(
        select(SlaPolicy).where(SlaPolicy.severity == severity, SlaPolicy.enabled.is_(True)).order_by(SlaPolicy.id)
    ).all()
    for policy in candidates:
        if policy.category == category:
            return policy
    for policy in candidates:
        if policy.category is None:
            return policy
    raise ConfigurationError(f"没有「{severity}」级别的时限政策，请管理员配置", details={"severity": severity})


def visible_alerts(user: User) -> Select[Alert]:
    """Alerts the user may see: everything for coordinators, their own section's for section roles."""
    query = select(Alert)
    if user.role in (Role.staff, Role.head):
        query = query.where(Alert.section_id == user.section_id)
    return query


def list_alerts(
    session: Session,
    *,
    user: User,
    status: Sequence[str] = (),
    section_id: int | None = None,
    severity: str | None = None,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Alert], int]:
    """One page of the alerts visible to ``user`` that match the filters, and the total count."""
    query = visible_alerts(user)
    if status:
        query = query.where(Alert.status.in_(status))
    if section_id is not None:
        query = query.where(Alert.section_id == section_id)
    if severity:
        query = query.where(Alert.severity == severity)
    if category:
        query = query.where(Alert.category == category)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.options(selectinload(Alert.section)).order_by(Alert.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(page), total


def get_alert(session: Session, *, user: User, alert_id: int) -> Alert:
    """The alert if ``user`` may see it; otherwise NotFound (never reveal other sections' cases)."""
    alert = session.scalar(
        visible_alerts(user)
        .where(Alert.id == alert_id)
        .options(
            selectinload(Alert.links).selectinload(AlertPost.post),
            selectinload(Alert.events),
            selectinload(Alert.responses),
            selectinload(Alert.section),
        )
    )
    if alert is None:
        raise NotFound(f"预警 {alert_id} 不存在或无权查看")
    return alert
