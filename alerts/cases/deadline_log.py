"""Every deadline set or changed is an audit entry: old and new values and why, wherever the change is made.

A new case's ``raise`` event holds its first deadlines, when it was opened and its section (``opening_data``).
After that a case's deadlines (``ack_due``, ``response_due``, ``close_due``) are watched at each flush: a change
becomes a ``deadline`` event with ``{"reason", "changes": {name: {"from", "to"}}}``, and a change of section
outside a 转办 is a ``section`` event. Code that moves a deadline names the reason first (``deadline_reason``);
a change nobody named is logged as ``other``. Within the transaction that opened a case only named changes are
logged (the rest is its opening). With the lifecycle events this is enough to recount the timeliness figures
from the log alone (``alerts.cases.recount``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from alerts.cases.models import Alert, AlertEvent
from alerts.sla.calendar import LIMIT_LABELS
from core.timeutil import isoformat_local, utcnow

DUE_FIELDS = {"ack": "ack_due", "response": "response_due", "close": "close_due"}
REASONS = {
    "initial": "初次计算",
    "extension": "延期",
    "holiday_year": "放假安排录入后重新计算",
    "clock_stop": "告知补正，中止计时",
    "clock_restart": "收到补正，重新计时",
    "severity": "调整级别",
    "reopen": "发回重办，重新计时",
    "external_due": "热线工单时限",
    "other": "其他",
}
_REASONS_KEY = "muqing_deadline_reasons"
_FRESH_KEY = "muqing_fresh_alerts"


def opening_data(alert: Alert) -> dict[str, Any]:
    """What the ``raise`` event records of a new case: its opening, section and first deadlines."""
    section = alert.section.id if alert.section is not None else alert.section_id
    return {
        "opened_at": isoformat_local(alert.opened_at),
        "section_id": section,
        "severity": alert.severity,
        "deadlines": {name: isoformat_local(getattr(alert, field)) for name, field in DUE_FIELDS.items()},
    }


def deadline_reason(session: Session, *, alert: Alert, reason: str) -> None:
    """Say why the case's deadlines are about to change (a key of REASONS); the next change logged uses it."""
    assert reason in REASONS, reason
    session.info.setdefault(_REASONS_KEY, {})[id(alert)] = reason


def _old_new(alert: Alert, field: str) -> tuple[datetime | None, datetime | None]:
    history = inspect(alert).attrs[field].history
    old = history.deleted[0] if history.deleted else (history.unchanged or [None])[0]
    return old, getattr(alert, field)


def _section_change(alert: Alert) -> tuple[int | None, int | None] | None:
    state = inspect(alert)
    by_object = state.attrs["section"].history
    if by_object.added:
        old = by_object.deleted[0].id if by_object.deleted and by_object.deleted[0] is not None else None
        new = by_object.added[0].id if by_object.added[0] is not None else None
    else:
        by_id = state.attrs["section_id"].history
        if not by_id.added:
            return None
        old, new = (by_id.deleted or [None])[0], by_id.added[0]
    return (old, new) if old != new else None


def _entry(alert: Alert, action: str, note: str, data: dict[str, Any]) -> AlertEvent:
    event_row = AlertEvent(action=action, actor=None, from_status=alert.status, to_status=alert.status)
    event_row.note, event_row.data, event_row.at = note, data, utcnow()
    if alert.id is None:
        event_row.alert = alert
    else:
        event_row.alert_id = alert.id
    return event_row


def _deadline_entry(session: Session, alert: Alert, fresh: bool) -> AlertEvent | None:
    changes: dict[str, dict[str, str | None]] = {}
    for name, field in DUE_FIELDS.items():
        old, now = _old_new(alert, field)
        if old != now:
            changes[name] = {"from": isoformat_local(old), "to": isoformat_local(now)}
    reasons: dict[int, str] = session.info.get(_REASONS_KEY, {})
    if not changes or (fresh and id(alert) not in reasons):
        return None
    reason = reasons.pop(id(alert), "other")
    moved = "；".join(f"{LIMIT_LABELS[name]} {_short(c['from'])} → {_short(c['to'])}" for name, c in changes.items())
    data: dict[str, Any] = {"reason": reason, "changes": changes}
    return _entry(alert, "deadline", f"时限变更（{REASONS[reason]}）：{moved}", data)


def _short(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "无"


@event.listens_for(Session, "before_flush")
def _log_deadlines(session: Session, _context: Any, _instances: Any) -> None:
    pending_assign = {
        (row.alert_id, (row.data or {}).get("section_id"))
        for row in session.new
        if isinstance(row, AlertEvent) and row.action == "assign"
    }
    fresh: set[int] = session.info.setdefault(_FRESH_KEY, set())
    entries = []
    for alert in session.new:
        if isinstance(alert, Alert):
            fresh.add(id(alert))
    for alert in session.dirty:
        if not isinstance(alert, Alert):
            continue
        entry = _deadline_entry(session, alert, id(alert) in fresh)
        if entry is not None:
            entries.append(entry)
        moved = _section_change(alert)
        if moved is not None and (alert.id, moved[1]) not in pending_assign:
            data = {"from_section_id": moved[0], "section_id": moved[1]}
            entries.append(_entry(alert, "section", "承办科室变更", data))
    session.add_all(entries)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_reasons(session: Session) -> None:
    session.info.pop(_REASONS_KEY, None)
    session.info.pop(_FRESH_KEY, None)
