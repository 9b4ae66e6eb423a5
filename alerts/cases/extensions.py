"""Deadline extension actions of the lifecycle: request, approve, refuse."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.cases.deadline_log import deadline_reason
from alerts.cases.models import Alert, Extension
from alerts.cases.steps import ActionInput, Handler, Step
from alerts.sla.deadlines import DUE_FIELDS, MET_FIELDS, add_provisional, alert_policy, extend, extension_limit
from alerts.sla.service import work_calendar
from core.errors import Conflict, InvalidInput, PermissionDenied
from core.models import User
from core.timeutil import isoformat_local
from core.types import Role


def _request_extension(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    if alert.pending_extension is not None:
        raise Conflict("已有一项延期申请在等待审批")
    policy = alert_policy(session, alert=alert)
    requested = given.extension or {}
    deadline = requested.get("deadline") or "close"
    if deadline not in DUE_FIELDS:
        raise InvalidInput("延期的时限应为 ack、response 或 close", details={"field": "extension.deadline"})
    due = getattr(alert, DUE_FIELDS[deadline])
    if due is None:
        raise InvalidInput("该预警没有这一时限，无需延期", details={"field": "extension.deadline"})
    if getattr(alert, MET_FIELDS[deadline]) is not None:
        raise Conflict("这一时限已经完成，无需延期")
    if policy.max_extensions is not None:
        used = sum(1 for x in alert.extensions if x.status == "approved")
        if used >= policy.max_extensions:
            raise Conflict(f"「{policy.name}」最多延期{policy.max_extensions}次，已用完")
    limit = extension_limit(policy, requested)
    if limit is None:
        raise InvalidInput("请填写延期时长", details={"field": "extension.amount"})
    row = Extension(
        alert=alert,
        deadline=deadline,
        amount=limit.amount,
        unit=limit.unit,
        reason=given.note,
        requested_by=actor,
        requested_at=now,
        old_due=due,
    )
    session.add(row)
    session.flush()
    data = {"extension_id": row.id, "deadline": deadline, "amount": limit.amount, "unit": limit.unit}
    return Step(None, given.note, data)


def _decidable(session: Session, alert: Alert, actor: User) -> Extension:
    pending = alert.pending_extension
    if pending is None:
        raise Conflict("没有等待审批的延期申请")
    approver = alert_policy(session, alert=alert).extension_approver
    if approver == "leader" and actor.role != Role.leader:
        raise PermissionDenied(f"「{alert.severity}」预警的延期须由中心领导审批")
    return pending


def _approve_extension(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    pending = _decidable(session, alert, actor)
    field_name = DUE_FIELDS[pending.deadline]
    old = getattr(alert, field_name)
    if old is None:
        raise Conflict("该时限已无法延期")
    calendar = work_calendar(session)
    new = extend(calendar, old, pending)
    deadline_reason(session, alert=alert, reason="extension")
    setattr(alert, field_name, new)
    add_provisional(alert, name=pending.deadline, years=calendar.provisional_years(old, new, pending.unit))
    pending.status, pending.decided_by, pending.decided_at = "approved", actor, now
    pending.decision_note, pending.old_due, pending.new_due = given.note, old, new
    data = {
        "extension_id": pending.id,
        "deadline": pending.deadline,
        "old_due": isoformat_local(old),
        "new_due": isoformat_local(new),
    }
    return Step(None, given.note, data)


def _refuse_extension(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    pending = _decidable(session, alert, actor)
    pending.status, pending.decided_by, pending.decided_at, pending.decision_note = "refused", actor, now, given.note
    return Step(None, given.note, {"extension_id": pending.id, "deadline": pending.deadline})


EXTENSION_HANDLERS: dict[str, Handler] = {
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
}
