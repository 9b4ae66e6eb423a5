"""Read-only queries the pages need, built on the domains' own visibility rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from alerts.cases.lifecycle import OPEN_STATUSES, Status
from alerts.cases.models import Alert
from alerts.cases.service import visible_alerts
from core.models import Section, User
from core.timeutil import utcnow

OPEN = tuple(s.value for s in OPEN_STATUSES)


def active_sections(session: Session) -> list[Section]:
    """Sections that can take cases, in their usual order."""
    return list(session.scalars(select(Section).where(Section.active.is_(True)).order_by(Section.id)))


def next_due(alert: Alert) -> datetime | None:
    """The deadline the case is working towards now (sign-for, response, then close)."""
    if alert.status == Status.new:
        return alert.ack_due
    if alert.status in (Status.acknowledged, Status.assigned, Status.in_progress):
        if alert.responded_at is None and alert.response_due is not None:
            return alert.response_due
        return alert.close_due
    if alert.status == Status.responded:
        return alert.close_due
    return None


def is_overdue(alert: Alert, now: datetime | None = None) -> bool:
    """True when an open case has passed the deadline it is working towards."""
    due = next_due(alert)
    return due is not None and due < (now or utcnow())


def _due_order() -> ColumnElement[datetime]:
    """SQL expression of the deadline a case works towards (the same rule as ``next_due``)."""
    return case(
        (Alert.status == Status.new.value, Alert.ack_due),
        (Alert.status == Status.responded.value, Alert.close_due),
        (Alert.responded_at.is_(None) & Alert.response_due.is_not(None), Alert.response_due),
        else_=Alert.close_due,
    )


def open_alerts(
    session: Session, *, user: User, statuses: Sequence[str] = OPEN, section_id: int | None = None, limit: int = 200
) -> list[Alert]:
    """Cases in ``statuses`` visible to the user, soonest deadline first (so overdue ones lead)."""
    due = _due_order()
    query = (
        visible_alerts(user)
        .where(Alert.status.in_(statuses))
        .options(
            selectinload(Alert.section),
            selectinload(Alert.assignee),
            selectinload(Alert.responses),
            selectinload(Alert.extensions),
        )
        .order_by(due.is_(None), due, Alert.id)
        .limit(limit)
    )
    if section_id is not None:
        query = query.where(Alert.section_id == section_id)
    return list(session.scalars(query))


def overdue_alerts(session: Session, *, user: User, limit: int = 100) -> list[Alert]:
    """Open or responded cases past the deadline they work towards, most overdue first."""
    candidates = open_alerts(session, user=user, statuses=(*OPEN, Status.responded.value), limit=1000)
    now = utcnow()
    return [alert for alert in candidates if is_overdue(alert, now)][:limit]


def recent_changes(session: Session, *, user: User, since: datetime) -> list[Alert]:
    """Cases visible to the user that were created or changed after ``since``."""
    query = visible_alerts(user).where(or_(Alert.updated_at > since, Alert.created_at > since)).order_by(Alert.id)
    return list(session.scalars(query.limit(200)))


def latest_change(session: Session, *, user: User) -> datetime | None:
    """When the newest change to a visible case happened."""
    sub = visible_alerts(user).subquery()
    return session.scalar(select(func.max(sub.c.updated_at)))


def max_alert_id(session: Session, *, user: User) -> int:
    """The newest visible case id (the live stream announces cases above it)."""
    sub = visible_alerts(user).subquery()
    return int(session.scalar(select(func.max(sub.c.id))) or 0)
