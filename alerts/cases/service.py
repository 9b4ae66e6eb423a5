"""Cases: who may see which, one page of them, one with everything it holds, and the workflow settings.

The case tables are written by this room only: ``intake`` (cases begin), ``flows`` (lifecycle actions),
``grouping`` and ``merging`` (posts joining and moving), ``audit`` (the log), ``attachments`` (files), and the
settings here.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from alerts.cases.lifecycle import OPEN_STATUSES
from alerts.cases.models import Alert, AlertCoSection, AlertPost, Extension, FollowUp, Response
from alerts.config_models import AlertSetting
from alerts.defaults import default_setting
from core.db import transaction_cache
from core.errors import InvalidInput, NotFound
from core.models import User
from core.timeutil import utcnow
from core.types import Role


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


def get_setting(session: Session, *, key: str) -> dict[str, Any]:
    """A settings group: the defaults file's values overlaid with what the admin saved."""
    # Read once per transaction: a burst of alerts raised in one job asks for the same groups again and again.
    saved: dict[str, dict[str, Any]] = transaction_cache(session, "alert-settings")
    if key not in saved:
        row = session.get(AlertSetting, key)
        saved[key] = dict(row.value or {}) if row is not None else {}
    value = default_setting(key) or {}
    value.update(copy.deepcopy(saved[key]))
    return value


def save_setting(session: Session, *, key: str, value: dict[str, Any]) -> dict[str, Any]:
    """Store a settings group (only keys the defaults know), returning the effective values."""
    known = default_setting(key)
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


def ensure_setting(session: Session, *, key: str, value: dict[str, Any]) -> None:
    """Store a settings group's shipped values unless the group is stored already (seeding)."""
    if session.get(AlertSetting, key) is None:
        session.add(AlertSetting(key=key, value=value))
