"""Merging cases and moving posts between them (duty officers), each side logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.grouping import refresh_heat
from alerts.cases.intake import open_alert
from alerts.cases.lifecycle import LIVE_STATUSES, OPEN_STATUSES, STATUS_LABELS, Status
from alerts.cases.models import Alert, AlertCoSection, AlertPost
from alerts.cases.steps import ActionInput, Step
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import User
from core.timeutil import utcnow
from core.types import ROLE_LABELS, Role


def merge_handler(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    """The ``merge`` action: the posts move to the target, this case ends as merged."""
    target = session.get(Alert, given.target_alert_id)
    if target is None or target.id == alert.id:
        raise InvalidInput("请指定另一条预警作为合并目标", details={"field": "target_alert_id"})
    if Status(target.status) not in LIVE_STATUSES:
        raise Conflict(f"预警 {target.id} 已「{STATUS_LABELS[target.status]}」，不能并入")
    moved = [link.post_id for link in alert.links]
    for link in list(alert.links):
        alert.links.remove(link)
        session.flush()
        target.links.append(AlertPost(post_id=link.post_id, reason=f"由预警 {alert.id} 合并", added_at=now))
    existing = set(target.co_section_ids) | {target.section_id}
    for section_id in alert.co_section_ids + ([alert.section_id] if alert.section_id else []):
        if section_id not in existing:
            target.co_sections.append(AlertCoSection(section_id=section_id))
            existing.add(section_id)
    alert.merged_into_id = target.id
    session.flush()
    refresh_heat(session, alert=target)
    data = {"target_alert_id": target.id, "post_ids": moved}

    def absorbed() -> None:
        record_event(
            session,
            alert=target,
            action="merge_in",
            actor=actor,
            from_status=target.status,
            to_status=target.status,
            note=given.note or f"并入预警 {alert.id}",
            data={"source_alert_id": alert.id, "post_ids": moved},
            at=now,
        )

    return Step(Status.merged, given.note, data, [absorbed])


def merge(session: Session, *, alert: Alert, into: Alert, actor: User, note: str = "") -> Alert:
    """Fold ``alert`` into ``into`` (its posts move; it ends as merged)."""
    from alerts.cases.flows import transition

    return transition(session, alert=alert, actor=actor, action="merge", target_alert_id=into.id, note=note)


def move_post(
    session: Session, *, alert: Alert, post_id: int, actor: User, to_alert_id: int | None = None, note: str = ""
) -> Alert:
    """Move one post from ``alert`` to another open alert, or (no target) out into a new alert of its own."""
    if actor.role not in (Role.duty, Role.leader, Role.admin):
        raise PermissionDenied(f"{ROLE_LABELS[actor.role]}不能移动帖子")
    link = next((link for link in alert.links if link.post_id == post_id), None)
    if link is None:
        raise NotFound(f"帖子 {post_id} 不在预警 {alert.id} 中")
    if len(alert.links) == 1:
        raise Conflict("这是该预警的唯一一条帖子，请改用合并")
    if Status(alert.status) not in LIVE_STATUSES:
        raise Conflict(f"预警已「{STATUS_LABELS[alert.status]}」，不能移出帖子")
    now = utcnow()
    alert.links.remove(link)
    session.flush()
    post = link.post
    if to_alert_id is None:
        analysis = post.analysis
        target = open_alert(
            session,
            post=post,
            category=analysis.category if analysis else alert.category,
            severity=analysis.severity if analysis else alert.severity,
            places=list(analysis.entities.get("places", [])) if analysis else [],
            actor=actor,
            reason=f"由预警 {alert.id} 移出",
            data={"from_alert_id": alert.id},
        )
    else:
        found = session.get(Alert, to_alert_id)
        if found is None or found.id == alert.id:
            raise InvalidInput("请指定另一条预警", details={"field": "to_alert_id"})
        if Status(found.status) not in OPEN_STATUSES | {Status.responded}:
            raise Conflict(f"预警 {found.id} 已「{STATUS_LABELS[found.status]}」，不能移入帖子")
        target = found
        target.links.append(AlertPost(post_id=post.id, reason=f"由预警 {alert.id} 移入", added_at=now))
        session.flush()
        record_event(
            session,
            alert=target,
            action="post_in",
            actor=actor,
            from_status=target.status,
            to_status=target.status,
            note=note,
            data={"post_id": post.id, "from_alert_id": alert.id},
            at=now,
        )
    session.flush()
    session.refresh(alert)
    refresh_heat(session, alert=alert)
    refresh_heat(session, alert=target)
    record_event(
        session,
        alert=alert,
        action="post_out",
        actor=actor,
        from_status=alert.status,
        to_status=alert.status,
        note=note,
        data={"post_id": post.id, "to_alert_id": target.id},
        at=now,
    )
    session.flush()
    return target
