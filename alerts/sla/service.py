"""SLA policies (the one writer of ``sla_policy``: list, get, save, delete, seed; lookup for a case) and the
working-day calendar with the admin's holiday years."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.sla.calendar import Limit, WorkCalendar, entered_days, parse_office_hours
from alerts.sla.models import HolidayYear, SlaPolicy
from alerts.sla.schemas import PolicyIn
from core.config import get_settings
from core.db import transaction_cache
from core.errors import ConfigurationError, Conflict, InvalidInput, NotFound
from core.timeutil import local_zone

POLICY_FLAGS = (
    "sign_off_required",
    "extension_approver",
    "max_extensions",
    "remind_fraction",
    "overdue_grace_minutes",
    "quiet_hours",
)


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


def ensure_policy(session: Session, *, spec: dict[str, Any]) -> None:
    """Store a shipped SLA policy unless one of its name exists (seeding)."""
    if session.scalar(select(SlaPolicy).where(SlaPolicy.name == spec["name"])) is not None:
        return
    session.add(
        SlaPolicy(
            name=spec["name"],
            severity=spec["severity"],
            category=spec.get("category"),
            source_kind=spec.get("source_kind"),
            limits=spec["limits"],
            **{flag: spec[flag] for flag in POLICY_FLAGS if flag in spec},
        )
    )


def list_policies(session: Session) -> list[SlaPolicy]:
    """Every SLA policy, in the order they were made."""
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)))


def get_policy(session: Session, *, policy_id: int) -> SlaPolicy:
    """One policy, or NotFound."""
    policy = session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound(f"时限政策 {policy_id} 不存在", details={"field": "policy_id"})
    return policy


def _stored_limits(data: PolicyIn) -> dict[str, Any]:
    """The limits as stored (whole numbers without a fraction), checked: sign-for and close are required."""
    limits: dict[str, Any] = {}
    for name, limit in data.limits.items():
        Limit.parse(limit.model_dump())
        amount = int(limit.amount) if limit.amount == int(limit.amount) else limit.amount
        limits[name] = {"amount": amount, "unit": limit.unit}
    # Every case is signed for and closed: a policy without either would leave a case without its clock.
    for required in ("ack", "close"):
        if required not in limits:
            raise InvalidInput("签收和办结时限必须填写", details={"field": f"limits.{required}"})
    return limits


def save_policy(session: Session, *, data: PolicyIn, policy_id: int | None = None) -> SlaPolicy:
    """Create a policy (no id) or change one: a name taken is a conflict, sign-for and close limits are required.

    New cases use it; deadlines already computed stay as they are until a case's severity changes.
    """
    policy = get_policy(session, policy_id=policy_id) if policy_id is not None else SlaPolicy()
    with session.no_autoflush:
        clash = session.scalar(select(SlaPolicy.id).where(SlaPolicy.name == data.name))
    if clash is not None and clash != policy.id:
        raise Conflict(f"已有名为「{data.name}」的时限政策", details={"field": "name"})
    limits = _stored_limits(data)
    for field, value in data.model_dump(exclude={"limits"}).items():
        setattr(policy, field, value)
    policy.limits = limits
    if policy_id is None:
        session.add(policy)
    session.flush()
    return policy


def delete_policy(session: Session, *, policy_id: int) -> None:
    """Remove a policy (prefer disabling it: cases keep the deadlines it gave them)."""
    session.delete(get_policy(session, policy_id=policy_id))
    session.flush()
