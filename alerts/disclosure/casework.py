"""What a register step does to the request's live case: its clock stops, restarts or is extended, through the
alerts' own deadline functions, and each step is an audit event on the case (the register is written by
``service.py``; this module touches only the case).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.lifecycle import LIVE_STATUSES
from alerts.cases.models import Alert, Extension
from alerts.disclosure.format import reason_label
from alerts.disclosure.models import DisclosureRequest
from alerts.disclosure.schemas import STEP_LABELS
from alerts.sla.deadlines import alert_policy, apply_deadlines, extension_limit, snapshot, stop_clock
from alerts.sla.service import work_calendar
from core.models import User
from core.timeutil import isoformat_local, to_local, utcnow


def live_case(entry: DisclosureRequest) -> Alert | None:
    """The request's case while it is still being handled."""
    alert = entry.alert
    return alert if alert is not None and alert.status in {s.value for s in LIVE_STATUSES} else None


def apply_step(session: Session, *, actor: User, entry: DisclosureRequest, step: str, at: datetime, note: str) -> None:
    """Move the case's clock for a step already written to the register, and log it on the case."""
    alert = live_case(entry)
    if alert is None:
        return
    data: dict[str, Any] = {"request_id": entry.id, "step": step, "at": isoformat_local(at)}
    words = f"{STEP_LABELS[step]}（{to_local(at):%Y-%m-%d}）"
    if step == "correction_requested":
        data["deadlines_before"] = snapshot(alert)
        stop_clock(alert=alert, at=at)
        words += "：答复期限中止计算，待收到补正后重新计算"
    elif step == "correction_received":
        data["deadlines_before"] = snapshot(alert)
        apply_deadlines(session, alert=alert, start=at, keep_met=True)
        data["deadlines"] = snapshot(alert)
        words += "：答复期限自收到补正之日起重新计算"
    elif step == "extension":
        data.update(_extend_case(session, actor=actor, alert=alert, note=note))
        words += "：经政府信息公开工作机构负责人同意延期答复"
    else:
        data.update(outcome=entry.outcome, reason=entry.reason)
        words += f"：{reason_label(entry.outcome, entry.reason)}"
    record_event(
        session,
        alert=alert,
        action=f"disclosure_{step}",
        actor=actor,
        from_status=alert.status,
        to_status=alert.status,
        note=f"{words}。{note}" if note else words,
        data=data,
    )


def _extend_case(session: Session, *, actor: User, alert: Alert, note: str) -> dict[str, Any]:
    """The statutory extension on the case's close deadline (once; an extension approved on the case counts)."""
    clock = alert.clock_started_at or alert.opened_at
    if any(
        x.status == "approved" and x.deadline == "close" and (x.decided_at or clock) >= clock for x in alert.extensions
    ):
        return {"extension": "already_on_case"}
    due = alert.close_due
    policy = alert_policy(session, alert=alert)
    limit = extension_limit(policy, None)
    if due is None or limit is None:
        return {"extension": "no_deadline"}
    now = utcnow()
    new_due = work_calendar(session).add(due, limit, [])
    row = Extension(
        alert=alert,
        deadline="close",
        amount=limit.amount,
        unit=limit.unit,
        reason=note or "依申请公开延期答复",
        status="approved",
        requested_by=actor,
        requested_at=now,
        decided_by=actor,
        decided_at=now,
        decision_note="经政府信息公开工作机构负责人同意",
        old_due=due,
        new_due=new_due,
    )
    session.add(row)
    alert.close_due = new_due
    session.flush()
    return {"extension_id": row.id, "old_due": isoformat_local(due), "new_due": isoformat_local(row.new_due)}
