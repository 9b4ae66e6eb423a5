"""Alert queries, visibility, policy lookup, settings and default data. Keyword-only, no web code."""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from alerts.config_models import AlertSetting, HolidayYear
from alerts.lifecycle import OPEN_STATUSES
from alerts.models import Alert, AlertCoSection, AlertPost, Extension, FollowUp, Response, RoutingRule, SlaPolicy
from alerts.sla import WorkCalendar, entered_days, parse_office_hours
from alerts.statements.service import seed_terms
from core.config import get_settings
from core.db import transaction_cache
from core.errors import ConfigurationError, InvalidInput, NotFound
from core.models import User
from core.privacy import contains_personal_data
from core.service import ensure_section, get_section_by_code
from core.timeutil import local_zone, utcnow
from core.types import Role

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")
POLICY_FLAGS = (
    "sign_off_required",
    "extension_approver",
    "max_extensions",
    "remind_fraction",
    "overdue_grace_minutes",
    "quiet_hours",
)


def load_defaults(path: Path = DEFAULTS_FILE) -> dict[str, Any]:
    """The default organisation, routing rules, SLA policies and settings as data."""
    # Parsed once per file version: every raised alert reads settings, and parsing costs ~100 ms.
    return copy.deepcopy(_parsed_defaults(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=8)
def _parsed_defaults(path: Path, mtime_ns: int) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path.name}: 应为 YAML 映射")
    return data


def seed_defaults(session: Session, *, path: Path = DEFAULTS_FILE) -> None:
    """Create the default sections, rules, SLA policies, settings and check word lists that are missing (idempotent)."""
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
                source_kind=policy.get("source_kind"),
                limits=policy["limits"],
                **{flag: policy[flag] for flag in POLICY_FLAGS if flag in policy},
            )
        )
    for key, value in (data.get("settings") or {}).items():
        if session.get(AlertSetting, key) is None:
            session.add(AlertSetting(key=key, value=value))
    seed_terms(session)
    session.flush()


def get_setting(session: Session, *, key: str) -> dict[str, Any]:
    """A settings group: the defaults file's values overlaid with what the admin saved."""
    # Read once per transaction: a burst of alerts raised in one job asks for the same groups again and again.
    saved: dict[str, dict[str, Any]] = transaction_cache(session, "alert-settings")
    if key not in saved:
        row = session.get(AlertSetting, key)
        saved[key] = dict(row.value or {}) if row is not None else {}
    defaults = _parsed_defaults(DEFAULTS_FILE, DEFAULTS_FILE.stat().st_mtime_ns)
    value = copy.deepcopy((defaults.get("settings") or {}).get(key, {}))
    value.update(copy.deepcopy(saved[key]))
    return value


def save_setting(session: Session, *, key: str, value: dict[str, Any]) -> dict[str, Any]:
    """Store a settings group (only keys the defaults know), returning the effective values."""
    known = (load_defaults().get("settings") or {}).get(key)
    if known is None:
        raise NotFound(f"设置项 {key} 不存在")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise InvalidInput(f"未知的设置：{'、'.join(unknown)}", details={"field": unknown[0]})
    row = session.get(AlertSetting, key)
    if row is None:
        row = AlertSetting(key=key, value={})
        session.add(row)
    row.value = {**(row.value or {}), **value}
    session.flush()
    transaction_cache(session, "alert-settings").pop(key, None)
    return get_setting(session, key=key)


def admin_years(session: Session) -> dict[int, dict[date, tuple[bool, str]]]:
    """The holiday years entered by the admin, as the calendar's override mapping."""
    # Read once per transaction (a recomputation builds the calendar for every open case) until a year changes.
    cache = transaction_cache(session, "holiday-years", depends_on=(HolidayYear,))
    if "years" not in cache:
        cache["years"] = _read_admin_years(session)
    years: dict[int, dict[date, tuple[bool, str]]] = cache["years"]
    return years


def _read_admin_years(session: Session) -> dict[int, dict[date, tuple[bool, str]]]:
    return {row.year: entered_days(row.days or []) for row in session.scalars(select(HolidayYear))}


def work_calendar(session: Session | None = None) -> WorkCalendar:
    """The working-day calendar with the configured office hours and the admin's holiday years."""
    settings = get_settings()
    return WorkCalendar(
        zone=local_zone(),
        office_hours=parse_office_hours(settings.office_hours),
        admin_years=admin_years(session) if session is not None else None,
    )


def policy_for(
    session: Session, *, severity: str, category: str | None = None, source_kind: str | None = None
) -> SlaPolicy:
    """The SLA policy for a severity, preferring one specific to the category and source kind."""
    candidates = session.scalars(
        select(SlaPolicy).where(SlaPolicy.severity == severity, SlaPolicy.enabled.is_(True)).order_by(SlaPolicy.id)
    ).all()
    best: tuple[int, SlaPolicy] | None = None
    for policy in candidates:
        if policy.category is not None and policy.category != category:
            continue
        if policy.source_kind is not None and policy.source_kind != source_kind:
            continue
        rank = (2 if policy.category else 0) + (1 if policy.source_kind else 0)
        if best is None or rank > best[0]:
            best = (rank, policy)
    if best is None:
        raise ConfigurationError(f"没有「{severity}」级别的时限政策，请管理员配置", details={"severity": severity})
    return best[1]


def visible_alerts(user: User) -> Select[Alert]:
    """Alerts the user may see: everything for coordinators; for section roles, their section's and co-handled."""
    query = select(Alert)
    if user.role in (Role.staff, Role.head):
        co_handled = exists().where(AlertCoSection.alert_id == Alert.id, AlertCoSection.section_id == user.section_id)
        query = query.where(or_(Alert.section_id == user.section_id, co_handled))
    return query


def list_alerts(
    session: Session,
    *,
    user: User,
    status: Sequence[str] = (),
    section_id: int | None = None,
    severity: str | None = None,
    category: str | None = None,
    kind: str | None = None,
    escalated: bool | None = None,
    overdue: bool | None = None,
    q: str | None = None,
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
    if kind:
        query = query.where(Alert.kind == kind)
    if escalated is not None:
        query = query.where(Alert.escalated.is_(escalated))
    if overdue is not None:
        now = utcnow()
        late = or_(
            (Alert.acknowledged_at.is_(None)) & (Alert.ack_due < now),
            (Alert.responded_at.is_(None)) & (Alert.response_due < now),
            (Alert.closed_at.is_(None)) & (Alert.close_due < now),
        )
        is_open = Alert.status.in_([s.value for s in OPEN_STATUSES])
        query = query.where(is_open & late) if overdue else query.where(~(is_open & late))
    if q:
        if contains_personal_data(q):
            # Titles are shown masked, so a full phone or ID number (or a name beside one) finds nothing.
            return [], 0
        query = query.where(Alert.title.contains(q))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.options(selectinload(Alert.section), selectinload(Alert.co_sections))
        .order_by(Alert.id.desc())
        .limit(limit)
        .offset(offset)
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
            selectinload(Alert.responses).selectinload(Response.attachments),
            selectinload(Alert.extensions).selectinload(Extension.requested_by),
            selectinload(Alert.follow_ups).selectinload(FollowUp.by),
            selectinload(Alert.attachments),
            selectinload(Alert.co_sections),
            selectinload(Alert.section),
        )
    )
    if alert is None:
        raise NotFound(f"预警 {alert_id} 不存在或无权查看")
    return alert


def users_with_role(session: Session, *, role: Role, section_id: int | None = None) -> list[User]:
    """Active users with ``role`` (in ``section_id`` when given)."""
    query = select(User).where(User.role == role.value, User.active.is_(True))
    if section_id is not None:
        query = query.where(User.section_id == section_id)
    return list(session.scalars(query.order_by(User.id)))
