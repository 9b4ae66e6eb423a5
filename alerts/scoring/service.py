"""Scoring writes: a new version of the policy (admin), a period published and frozen (leadership).

The only writer of the scoring tables. A published period keeps the sheets it was published with; saving
a new policy version changes only the periods still open (draft).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.scoring.engine import Period, parse_period, sheets
from alerts.scoring.models import ScorePeriod, ScoringPolicy
from alerts.scoring.schemas import DEFAULT_RULES, PolicyIn, PolicyOut, SheetsOut
from core.errors import Conflict, PermissionDenied
from core.models import User
from core.timeutil import utcnow
from core.types import Role

READERS = (Role.admin, Role.leader, Role.head)
PUBLISHERS = (Role.admin, Role.leader)


def current_policy(session: Session) -> ScoringPolicy | None:
    """The version in force (None: the built-in default applies)."""
    return session.scalar(select(ScoringPolicy).order_by(ScoringPolicy.version.desc()).limit(1))


def policy_out(policy: ScoringPolicy | None) -> PolicyOut:
    """A version as shown (the default as version 0)."""
    if policy is None:
        return PolicyOut(version=0, rules=DEFAULT_RULES, note="默认细则", created_at=None, created_by=None)
    return PolicyOut(
        version=policy.version,
        rules=policy.rules,
        note=policy.note,
        created_at=policy.created_at,
        created_by=policy.created_by.display_name if policy.created_by else None,
    )


def policy_versions(session: Session) -> list[ScoringPolicy]:
    """Every saved version, newest first."""
    return list(session.scalars(select(ScoringPolicy).order_by(ScoringPolicy.version.desc())))


def save_policy(session: Session, *, actor: User, data: PolicyIn) -> ScoringPolicy:
    """Save the policy as a new version (old versions and published periods stay as they were)."""
    if actor.role != Role.admin:
        raise PermissionDenied("考核赋分细则由管理员维护")
    latest = session.scalar(select(func.max(ScoringPolicy.version))) or 0
    policy = ScoringPolicy(
        version=latest + 1, rules=data.rules(), note=data.note.strip(), created_by_id=actor.id, created_at=utcnow()
    )
    session.add(policy)
    session.flush()
    return policy


def _own_section(user: User) -> int | None:
    if user.role not in READERS:
        raise PermissionDenied("考核赋分由中心领导查看")
    return user.section_id if user.role == Role.head else None


def score_sheets(session: Session, *, user: User, period: str, now: datetime | None = None) -> SheetsOut:
    """The period's sheets: as frozen when published, else counted now under the policy in force."""
    chosen = parse_period(period)
    section_id = _own_section(user)
    published = session.get(ScorePeriod, chosen.key)
    if published is not None:
        frozen = SheetsOut.model_validate(published.sheets)
        if section_id is not None:
            frozen.sheets = [s for s in frozen.sheets if s.section.id == section_id]
        return frozen
    return _count(session, chosen, section_id=section_id, now=now)


def _count(session: Session, period: Period, *, section_id: int | None, now: datetime | None) -> SheetsOut:
    policy = policy_out(current_policy(session))
    return SheetsOut(
        period=period.key,
        kind="month" if period.kind == "month" else "year",
        label=period.label,
        start=period.start,
        end=period.end,
        status="draft",
        policy_version=policy.version,
        policy=policy.rules,
        sheets=sheets(session, period=period, rules=policy.rules, section_id=section_id),
        computed_at=now or utcnow(),
    )


def publish_period(session: Session, *, actor: User, period: str) -> ScorePeriod:
    """Freeze a finished period's sheets under the policy in force now; refused twice or before its end."""
    if actor.role not in PUBLISHERS:
        raise PermissionDenied("考核结果由中心领导或管理员发布")
    chosen = parse_period(period)
    now = utcnow()
    if now < chosen.end:
        raise Conflict(f"{chosen.label}尚未结束，不能发布考核结果")
    if session.get(ScorePeriod, chosen.key) is not None:
        raise Conflict(f"{chosen.label}的考核结果已发布，发布后不再重算")
    counted = _count(session, chosen, section_id=None, now=now)
    counted.status, counted.published_at = "published", now
    row = ScorePeriod(
        period=chosen.key,
        policy_version=counted.policy_version,
        sheets=counted.model_dump(mode="json"),
        published_at=now,
        published_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    return row
