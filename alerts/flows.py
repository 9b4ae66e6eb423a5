"""Alert flows: raise an alert from an analysed post, and move an alert through its lifecycle."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.lifecycle import FIELD_LABELS, STATUS_LABELS, TRANSITIONS, Status
from alerts.models import Alert, AlertEvent, AlertPost, Response
from alerts.routing import RoutingInput, route
from alerts.schemas import RESPONSE_CHANNELS, ResponseInput
from alerts.service import policy_for, work_calendar
from alerts.sla import compute_deadlines
from core.errors import ConfigurationError, Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import Post, Section, User
from core.timeutil import utcnow
from core.types import Role

log = logging.getLogger(__name__)

ROLE_LABELS = {"admin": "管理员", "duty": "值班员", "leader": "中心领导", "head": "科室负责人", "staff": "科室经办人"}


def record_event(
    session: Session,
    *,
    alert: Alert,
    action: str,
    actor: User | None,
    from_status: str | None,
    to_status: str | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> AlertEvent:
    """Append one audit event (who, when, from, to, why)."""
    event = AlertEvent(
        alert=alert,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        at=utcnow(),
    )
    session.add(event)
    return event


def apply_deadlines(session: Session, *, alert: Alert, start: datetime) -> None:
    """Set the alert's deadlines from its SLA policy; an uncovered calendar year is logged on the alert."""
    try:
        policy = policy_for(session, severity=alert.severity, category=alert.category)
        deadlines = compute_deadlines(calendar=work_calendar(), limits=policy.limits, start=start)
    except ConfigurationError as exc:
        log.error("alert %s: deadlines not computed: %s", alert.id, exc.message)
        alert.ack_due = alert.response_due = alert.close_due = None
        record_event(
            session,
            alert=alert,
            action="deadline_error",
            actor=None,
            from_status=None,
            to_status=None,
            note=f"截止时间无法计算：{exc.message}",
        )
        return
    alert.sla_policy_id = policy.id
    alert.ack_due, alert.response_due, alert.close_due = (
        deadlines.ack_due,
        deadlines.response_due,
        deadlines.close_due,
    )


def raise_alert(session: Session, *, post_id: int) -> Alert | None:
    """Open an alert for an analysed post that needs a response (idempotent: one alert per post)."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"帖子 {post_id} 不存在")
    analysis = post.analysis
    if analysis is None or not analysis.needs_response:
        return None
    link = session.scalar(select(AlertPost).where(AlertPost.post_id == post.id))
    if link is not None:
        return session.get(Alert, link.alert_id)
    text = f"{post.title}\n{post.content}"
    decision = route(
        session,
        item=RoutingInput(
            category=analysis.category,
            text=text,
            severity=analysis.severity,
            source=post.source.name if post.source else None,
            places=tuple(analysis.entities.get("places", [])),
        ),
    )
    now = utcnow()
    alert = Alert(
        status=Status.new.value,
        severity=analysis.severity,
        category=analysis.category,
        title=(post.title or post.content)[:120],
        section=decision.section,
        routing_rule=decision.rule,
        routing_reason=decision.reason,
        opened_at=now,
    )
    session.add(alert)
    alert.links.append(AlertPost(post=post, reason="首帖", added_at=now))
    session.flush()
    apply_deadlines(session, alert=alert, start=now)
    record_event(
        session,
        alert=alert,
        action="raise",
        actor=None,
        from_status=None,
        to_status=Status.new.value,
        note=decision.reason,
        data={
            "post_id": post.id,
            "analysis_id": analysis.id,
            "score": analysis.score,
            "co_section_ids": decision.co_section_ids,
        },
    )
    session.flush()
    return alert


def transition(
    session: Session,
    *,
    alert: Alert,
    actor: User,
    action: str,
    section_id: int | None = None,
    note: str | None = None,
    response: ResponseInput | None = None,
) -> Alert:
    """Apply one lifecycle action; refuses unknown actions, wrong roles, illegal states, missing fields."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise InvalidInput(f"未知操作「{action}」", details={"field": "action"})
    role = Role(actor.role)
    if role not in spec.roles:
        raise PermissionDenied(f"{ROLE_LABELS[role]}不能执行「{spec.label}」")
    if role in (Role.staff, Role.head) and alert.section_id != actor.section_id:
        raise NotFound(f"预警 {alert.id} 不存在或无权查看")
    current = Status(alert.status)
    if current not in spec.sources:
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(spec.sources))
        raise Conflict(
            f"预警当前状态为「{STATUS_LABELS[current]}」，不能执行「{spec.label}」（仅限：{allowed}）",
            details={"status": current.value, "action": action},
        )
    note = (note or "").strip()
    provided = {"note": bool(note), "response": response is not None and bool(response.content.strip())}
    for name in spec.required:
        if not provided.get(name):
            raise InvalidInput(f"「{spec.label}」必须填写{FIELD_LABELS[name]}", details={"field": name})
    now = utcnow()
    data: dict[str, Any] = {}
    if action == "acknowledge":
        alert.acknowledged_at = now
    elif action == "assign":
        target_id = section_id if section_id is not None else alert.section_id
        if target_id is None:
            raise InvalidInput("转办必须指定科室", details={"field": "section_id"})
        if session.get(Section, target_id) is None:
            raise InvalidInput(f"科室 {target_id} 不存在", details={"field": "section_id"})
        data = {"from_section_id": alert.section_id, "section_id": target_id}
        alert.section_id = target_id
        alert.assigned_at = now
        alert.assignee_id = None
    elif action == "start":
        alert.assignee_id = actor.id
    elif action == "respond":
        assert response is not None
        if response.channel not in RESPONSE_CHANNELS:
            raise InvalidInput(f"发布渠道「{response.channel}」无效", details={"field": "response.channel"})
        session.add(
            Response(
                alert=alert,
                author=actor,
                content=response.content.strip(),
                channel=response.channel,
                link=response.link,
                created_at=now,
            )
        )
        alert.responded_at = alert.responded_at or now
        data = {"channel": response.channel}
    elif action == "close":
        alert.closed_at = now
    elif action == "reopen":
        alert.closed_at = None
    alert.status = spec.target.value
    record_event(
        session,
        alert=alert,
        action=action,
        actor=actor,
        from_status=current.value,
        to_status=spec.target.value,
        note=note,
        data=data,
    )
    session.flush()
    return alert
