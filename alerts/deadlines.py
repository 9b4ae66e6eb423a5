"""A case's deadlines: its SLA policy on the working-day calendar, approved extensions on top.

Rules: the sign-for clock starts when the case is opened; the response and close clocks start then too,
and restart when the case is sent back for redoing (发回重办). Changing the severity recomputes every
deadline not yet met (a met deadline stays as it was, so a later change never makes a past act late).
Approved extensions of the current clock are applied again after a recomputation.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.models import Alert, Extension, SlaPolicy
from alerts.external_due import stricter_due
from alerts.service import policy_for, work_calendar
from alerts.sla import LIMIT_NAMES, Limit, WorkCalendar, compute_deadlines
from core.errors import ConfigurationError
from core.timeutil import isoformat_local

log = logging.getLogger(__name__)

DUE_FIELDS = {"ack": "ack_due", "response": "response_due", "close": "close_due"}
MET_FIELDS = {"ack": "acknowledged_at", "response": "responded_at", "close": "closed_at"}


def source_kind_of(alert: Alert) -> str | None:
    """The kind of source the case's first post came from (for source-specific policies)."""
    for link in alert.links:
        if link.post.source is not None:
            return link.post.source.kind
    return None


def alert_policy(session: Session, *, alert: Alert) -> SlaPolicy:
    """The SLA policy that applies to ``alert`` now."""
    return policy_for(session, severity=alert.severity, category=alert.category, source_kind=source_kind_of(alert))


def snapshot(alert: Alert) -> dict[str, str | None]:
    """The alert's deadlines as ISO text (for audit data)."""
    return {name: isoformat_local(getattr(alert, field)) for name, field in DUE_FIELDS.items()}


def extend(calendar: WorkCalendar, due: datetime, extension: Extension) -> datetime:
    """``due`` moved by the extension's amount on the calendar."""
    return calendar.add(due, Limit.parse({"amount": extension.amount, "unit": extension.unit}), [])


def apply_deadlines(session: Session, *, alert: Alert, start: datetime | None = None, keep_met: bool = False) -> bool:
    """Set the alert's deadlines from its policy; an uncovered calendar year is logged on the alert (False).

    ``start`` (re)starts the response and close clocks; ``keep_met`` leaves deadlines already met alone.
    """
    if start is not None:
        alert.clock_started_at = start
    clock = alert.clock_started_at or alert.opened_at
    try:
        policy = alert_policy(session, alert=alert)
        calendar = work_calendar(session)
        ack = compute_deadlines(calendar=calendar, limits={"ack": policy.limits.get("ack")}, start=alert.opened_at)
        rest = compute_deadlines(
            calendar=calendar,
            limits={name: policy.limits.get(name) for name in ("response", "close")},
            start=clock,
        )
        due: dict[str, datetime | None] = {"ack": ack.ack_due, "response": rest.response_due, "close": rest.close_due}
        for extension in alert.extensions:
            decided = extension.decided_at
            if extension.status != "approved" or decided is None or decided < clock:
                continue
            current = due.get(extension.deadline)
            if current is not None:
                due[extension.deadline] = extend(calendar, current, extension)
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
        return False
    alert.sla_policy_id = policy.id
    due = stricter_due(alert, due)
    for name in LIMIT_NAMES:
        if keep_met and getattr(alert, MET_FIELDS[name]) is not None:
            continue
        setattr(alert, DUE_FIELDS[name], due[name])
    return True


def extension_limit(policy: SlaPolicy, requested: dict[str, Any] | None) -> Limit | None:
    """The extension asked for, or the policy's default extension (None when neither is given)."""
    if requested and requested.get("amount") is not None:
        return Limit.parse({"amount": requested["amount"], "unit": requested.get("unit") or "working_days"})
    default = policy.limits.get("extension")
    return Limit.parse(default) if default else None


def change_severity(session: Session, *, alert: Alert, severity: str) -> dict[str, Any]:
    """Set a new severity and recompute the deadlines not yet met; returns the audit data."""
    before = snapshot(alert)
    old = alert.severity
    alert.severity = severity
    apply_deadlines(session, alert=alert, keep_met=True)
    return {"from": old, "to": severity, "deadlines_before": before, "deadlines": snapshot(alert)}
