"""SLA policies (lookup, defaults) and the working-day calendar with the admin's holiday years."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.models import SlaPolicy
from alerts.config_models import HolidayYear
from alerts.sla import WorkCalendar, entered_days, parse_office_hours
from core.config import get_settings
from core.db import transaction_cache
from core.errors import ConfigurationError
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
