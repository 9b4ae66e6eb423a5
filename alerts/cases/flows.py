"""Alert flows: move a case through its lifecycle (the table in ``alerts/cases/lifecycle.py``), merge, move posts.

``raise_alert``, ``record_event`` and ``apply_deadlines`` live in their own modules and are re-exported here; the
response actions are in ``responding.py``, the extension actions in ``extensions.py``, merging in ``merging.py``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.deadline_log import deadline_reason
from alerts.cases.extensions import EXTENSION_HANDLERS
from alerts.cases.intake import raise_alert
from alerts.cases.lifecycle import (
    FIELD_LABELS,
    INFO_REQUEST,
    SATISFACTION,
    STATUS_LABELS,
    TRANSITIONS,
    Status,
    Transition,
)
from alerts.cases.merging import merge_handler
from alerts.cases.models import Alert, AlertCoSection, FollowUp
from alerts.cases.responding import RESPONSE_HANDLERS
from alerts.cases.schemas import ResponseInput
from alerts.cases.steps import ActionInput, Handler, Step
from alerts.responses.service import findings_waiting
from alerts.roster.service import duty_for_sign_for
from alerts.sla.deadlines import apply_deadlines, change_severity, snapshot
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import Section, User
from core.timeutil import isoformat_local, utcnow
from core.types import ROLE_LABELS, SEVERITIES, Role

__all__ = ["apply_deadlines", "merge", "move_post", "raise_alert", "record_event", "transition"]

log = logging.getLogger(__name__)

FOLLOW_UP_METHODS = {
    "phone": "电话回访",
    "in_person": "上门回访",
    "online": "网上回访",
    "sms": "短信回访",
    "other": "其他",
}


def transition(
    session: Session,
    *,
    alert: Alert,
    actor: User,
    action: str,
    section_id: int | None = None,
    note: str | None = None,
    response: ResponseInput | None = None,
    severity: str | None = None,
    target_alert_id: int | None = None,
    satisfaction: str | None = None,
    method: str | None = None,
    extension: dict[str, Any] | None = None,
    co_section_ids: list[int] | None = None,
    assignee_id: int | None = None,
) -> Alert:
    """Apply one lifecycle action; refuses unknown actions, wrong roles, illegal states, missing fields."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise InvalidInput(f"未知操作「{action}」", details={"field": "action"})
    role = Role(actor.role)
    if role not in spec.roles:
        raise PermissionDenied(f"{ROLE_LABELS[role]}不能执行「{spec.label}」")
    co_handler = action == "comment" and actor.section_id in alert.co_section_ids
    if role in (Role.staff, Role.head) and alert.section_id != actor.section_id and not co_handler:
        raise NotFound(f"预警 {alert.id} 不存在或无权查看")
    waiting = action == "close" and alert.status == Status.responded and alert.pending_response is not None
    if waiting and role not in TRANSITIONS["sign_off"].roles and role in spec.roles:
        raise Conflict("回应尚未经科室负责人审核签发，不能办结")
    if waiting and role in TRANSITIONS["sign_off"].roles:
        # A head who closes a case whose response waits for sign-off signs it off first (two audit events).
        # A flagged response needs the head's own reason: the close note, never a stock phrase.
        flagged = findings_waiting(session, response=alert.pending_response)
        reason = (note or "").strip() if flagged else "办结时一并审核签发"
        transition(session, alert=alert, actor=actor, action="sign_off", note=reason)
    current = Status(alert.status)
    if current not in spec.sources:
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(spec.sources))
        raise Conflict(
            f"预警当前状态为「{STATUS_LABELS[current]}」，不能执行「{spec.label}」（仅限：{allowed}）",
            details={"status": current.value, "action": action},
        )
    given = ActionInput(
        note=(note or "").strip(),
        section_id=section_id,
        response=response,
        severity=severity,
        target_alert_id=target_alert_id,
        satisfaction=satisfaction,
        method=method or "phone",
        extension=extension,
        co_section_ids=co_section_ids,
        assignee_id=assignee_id,
    )
    _check_required(spec, given)
    now = utcnow()
    step = HANDLERS[action](session, alert, actor, given, now)
    target = step.target
    if target is not None:
        alert.status = target.value
    record_event(
        session,
        alert=alert,
        action=action,
        actor=actor,
        from_status=current.value,
        to_status=target.value if target is not None else current.value,
        note=step.note,
        data={**step.data, **_deadline_met(alert, action, now)},
        at=now,
    )
    for follow_on in step.after:
        follow_on()
    session.flush()
    return alert


# The deadline an act meets, stamped on its audit event, so timeliness can be recounted from the log alone.
MEETS = {"acknowledge": "ack_due", "close": "close_due"}


def _deadline_met(alert: Alert, action: str, now: datetime) -> dict[str, Any]:
    due = getattr(alert, MEETS[action]) if action in MEETS else None
    return {"due": isoformat_local(due), "late": now > due} if due is not None else {}


def _check_required(spec: Transition, given: ActionInput) -> None:
    provided = {
        "note": bool(given.note),
        "response": given.response is not None and bool(given.response.content.strip()),
        "severity": bool(given.severity),
        "satisfaction": bool(given.satisfaction),
        "target_alert_id": given.target_alert_id is not None,
        "section_id": given.section_id is not None,
    }
    for name in spec.required:
        if not provided.get(name):
            raise InvalidInput(f"「{spec.label}」必须填写{FIELD_LABELS[name]}", details={"field": name})


def _target(action: str) -> Status | None:
    return TRANSITIONS[action].target


def _acknowledge(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    alert.acknowledged_at = now
    if alert.duty_user is None:
        # Raised while nobody was on the roster: the case gets its duty officer when one signs for it.
        alert.duty_user = duty_for_sign_for(session, actor=actor, at=now)
        if alert.duty_user is not None:
            return Step(_target("acknowledge"), given.note, {"duty_user_id": alert.duty_user.id})
    return Step(_target("acknowledge"), given.note)


def _assign(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    target_id = given.section_id if given.section_id is not None else alert.section_id
    if target_id is None:
        raise InvalidInput("转办必须指定科室", details={"field": "section_id"})
    if session.get(Section, target_id) is None:
        raise InvalidInput(f"科室 {target_id} 不存在", details={"field": "section_id"})
    data: dict[str, Any] = {"from_section_id": alert.section_id, "section_id": target_id}
    alert.section_id = target_id
    alert.assigned_at = now
    alert.assignee_id = None
    if given.assignee_id is not None:
        assignee = session.get(User, given.assignee_id)
        if assignee is None or assignee.section_id != target_id or assignee.role not in (Role.staff, Role.head):
            raise InvalidInput("经办人必须是承办科室的人员", details={"field": "assignee_id"})
        alert.assignee_id = assignee.id
        data["assignee_id"] = assignee.id
    if given.co_section_ids is not None:
        co_ids = sorted({int(x) for x in given.co_section_ids} - {target_id})
        for section_id in co_ids:
            if session.get(Section, section_id) is None:
                raise InvalidInput(f"科室 {section_id} 不存在", details={"field": "co_section_ids"})
        alert.co_sections = [AlertCoSection(section_id=section_id) for section_id in co_ids]
        data["co_section_ids"] = co_ids
    elif alert.section_id in alert.co_section_ids:
        alert.co_sections = [link for link in alert.co_sections if link.section_id != target_id]
    return Step(_target("assign"), given.note, data)


def _start(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    alert.assignee_id = actor.id
    return Step(_target("start"), given.note)


def _close(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    alert.closed_at = now
    return Step(_target("close"), given.note)


def _send_back(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    alert.assignee_id = None
    return Step(_target("send_back"), given.note, {"section_id": alert.section_id})


def _restart(session: Session, alert: Alert, now: datetime) -> dict[str, Any]:
    before = snapshot(alert)
    alert.responded_at = None
    alert.closed_at = None
    alert.reopen_count += 1
    deadline_reason(session, alert=alert, reason="reopen")
    apply_deadlines(session, alert=alert, start=now, keep_met=True)
    return {"deadlines_before": before, "deadlines": snapshot(alert)}


def _reopen(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    return Step(_target("reopen"), given.note, {"cause": "manual", **_restart(session, alert, now)})


def _escalate(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    data = {"again": alert.escalated}
    alert.escalated, alert.escalated_at = True, now
    return Step(None, given.note, data)


def _clear_escalation(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    if not alert.escalated:
        raise Conflict("该预警未被督办")
    alert.escalated = False
    return Step(None, given.note)


def _set_severity(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    new = given.severity or ""
    if alert.kind == "info_request" or new == INFO_REQUEST:
        raise InvalidInput("依申请公开按法定时限办理，不能调整级别", details={"field": "severity"})
    if new not in SEVERITIES:
        raise InvalidInput(f"级别「{new}」无效，应为 {'、'.join(SEVERITIES)}", details={"field": "severity"})
    if new == alert.severity:
        raise Conflict(f"预警级别已是「{new}」")
    return Step(None, given.note, change_severity(session, alert=alert, severity=new))


def _follow_up(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    satisfaction = given.satisfaction or ""
    if satisfaction not in SATISFACTION:
        raise InvalidInput(f"满意度应为 {'、'.join(SATISFACTION)}", details={"field": "satisfaction"})
    if given.method not in FOLLOW_UP_METHODS:
        raise InvalidInput(f"回访方式应为 {'、'.join(FOLLOW_UP_METHODS)}", details={"field": "method"})
    unhappy = satisfaction == "不满意"
    row = FollowUp(
        alert=alert, at=now, by=actor, method=given.method, satisfaction=satisfaction, note=given.note, reopened=unhappy
    )
    session.add(row)
    session.flush()
    alert.satisfaction = satisfaction
    step = Step(None, given.note, {"follow_up_id": row.id, "satisfaction": satisfaction, "method": given.method})
    if unhappy:
        from_status = alert.status

        def reopen() -> None:
            data = {"cause": "dissatisfied", "follow_up_id": row.id, **_restart(session, alert, now)}
            alert.status = Status.in_progress.value
            record_event(
                session,
                alert=alert,
                action="reopen",
                actor=actor,
                from_status=from_status,
                to_status=Status.in_progress.value,
                note="回访不满意，发回重办" + (f"：{given.note}" if given.note else ""),
                data=data,
                at=now,
            )

        step.after.append(reopen)
    return step


HANDLERS: dict[str, Handler] = {
    "acknowledge": _acknowledge,
    "assign": _assign,
    "start": _start,
    "close": _close,
    "dismiss": lambda s, a, u, g, n: Step(Status.dismissed, g.note),
    "send_back": _send_back,
    "reopen": _reopen,
    "escalate": _escalate,
    "clear_escalation": _clear_escalation,
    "set_severity": _set_severity,
    "follow_up": _follow_up,
    **RESPONSE_HANDLERS,
    **EXTENSION_HANDLERS,
    "merge": merge_handler,
    "comment": lambda s, a, u, g, n: Step(None, g.note),
}


from alerts.cases.merging import merge, move_post  # noqa: E402 - re-exported; merging calls ``transition``
