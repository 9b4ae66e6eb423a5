"""A case's deadlines: its SLA policy on the working-day calendar, approved extensions on top.

Rules: the sign-for clock starts when the case is opened; the response and close clocks start then too,
and restart when the case is sent back for redoing (发回重办). Changing the severity recomputes every
deadline not yet met (a met deadline stays as it was, so a later change never makes a past act late).
Approved extensions of the current clock are applied again after a recomputation. Each deadline is
computed on its own; one that counted days of a year without an official holiday arrangement is marked
provisional (per deadline, the years), and entering such a year recomputes it (``recompute_deadlines``).
A later step is never due before an earlier one not yet met (``alerts.sla.calendar.keep_in_order``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.lifecycle import LIVE_STATUSES
from alerts.cases.models import Alert, Extension
from alerts.sla.calendar import LIMIT_LABELS, LIMIT_NAMES, Limit, WorkCalendar, keep_in_order
from alerts.sla.external_due import stricter_due
from alerts.sla.models import SlaPolicy
from alerts.sla.service import policy_for, work_calendar
from core.errors import ConfigurationError
from core.models import User
from core.timeutil import isoformat_local, to_local

log = logging.getLogger(__name__)

DUE_FIELDS = {"ack": "ack_due", "response": "response_due", "close": "close_due"}
# Key in ``Alert.details`` while the response and close clocks are stopped; recomputation keeps them stopped.
CLOCK_STOPPED = "clock_stopped_at"
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


def _record_error(session: Session, alert: Alert, problem: str) -> None:
    log.error("alert %s: deadlines not computed: %s", alert.id, problem)
    record_event(
        session,
        alert=alert,
        action="deadline_error",
        actor=None,
        from_status=None,
        to_status=None,
        note=f"截止时间无法计算：{problem}",
    )


def _one_deadline(
    calendar: WorkCalendar, alert: Alert, spec: dict[str, Any], name: str, begin: datetime, clock: datetime
) -> tuple[datetime, list[int]]:
    """One deadline from ``begin`` with the approved extensions of the current clock on top, and its years."""
    limit = Limit.parse(spec)
    due = calendar.add(begin, limit, [], field="received_at")
    years = set(calendar.provisional_years(begin, due, limit.unit))
    for extension in alert.extensions:
        decided = extension.decided_at
        if extension.deadline != name or extension.status != "approved" or decided is None or decided < clock:
            continue
        extended = extend(calendar, due, extension)
        years.update(calendar.provisional_years(due, extended, extension.unit))
        due = extended
    return due, sorted(years)


def clock_stopped(alert: Alert) -> bool:
    """True while the case's response and close clocks are stopped (e.g. waiting for an applicant's 补正)."""
    return bool((alert.details or {}).get(CLOCK_STOPPED))


def stop_clock(*, alert: Alert, at: datetime) -> None:
    """Stop the response and close clocks: no such deadline runs until ``apply_deadlines(start=...)``."""
    alert.details = {**(alert.details or {}), CLOCK_STOPPED: isoformat_local(at)}
    alert.response_due = None
    alert.close_due = None
    provisional = {k: v for k, v in (alert.provisional_deadlines or {}).items() if k == "ack"}
    alert.provisional_deadlines = provisional
    alert.deadlines_provisional = bool(provisional)


def apply_deadlines(session: Session, *, alert: Alert, start: datetime | None = None, keep_met: bool = False) -> bool:
    """Set the alert's deadlines from its policy, each on its own; False when one could not be computed.

    ``start`` (re)starts the response and close clocks; ``keep_met`` leaves deadlines already met alone.
    A deadline that relied on a year without an official arrangement is marked provisional on the alert.
    A deadline that cannot be computed (no policy, a broken limit) keeps its value, and the problem is logged.
    """
    if start is not None:
        alert.clock_started_at = start
        alert.details = {k: v for k, v in (alert.details or {}).items() if k != CLOCK_STOPPED}
    clock = alert.clock_started_at or alert.opened_at
    stopped = clock_stopped(alert)
    try:
        policy = alert_policy(session, alert=alert)
        calendar = work_calendar(session)
    except ConfigurationError as exc:
        _record_error(session, alert, exc.message)
        return False
    due: dict[str, datetime | None] = {}
    provisional: dict[str, list[int]] = {}
    stored = dict(alert.provisional_deadlines or {})
    complete = True
    kept_names = [name for name in LIMIT_NAMES if keep_met and getattr(alert, MET_FIELDS[name]) is not None]
    for name in LIMIT_NAMES:
        spec = policy.limits.get(name)
        kept = name in kept_names
        if stopped and name != "ack" and not kept:
            due[name], years = None, []
        elif kept or not spec:
            due[name] = getattr(alert, DUE_FIELDS[name]) if kept else None
            # A met deadline stays as it was; it stays provisional only while its year still is.
            years = [year for year in stored.get(name, []) if calendar.is_provisional(year)] if kept else []
        else:
            try:
                due[name], years = _one_deadline(
                    calendar, alert, spec, name, alert.opened_at if name == "ack" else clock, clock
                )
            except ConfigurationError as exc:
                _record_error(session, alert, f"{LIMIT_LABELS[name]}：{exc.message}")
                due[name], years, complete = getattr(alert, DUE_FIELDS[name]), stored.get(name, []), False
        if years:
            provisional[name] = years
    keep_in_order(due, provisional, met=kept_names)
    alert.sla_policy_id = policy.id
    due = stricter_due(alert, due)
    for name in LIMIT_NAMES:
        if name not in kept_names:
            setattr(alert, DUE_FIELDS[name], due[name])
    alert.provisional_deadlines = provisional
    alert.deadlines_provisional = bool(provisional)
    return complete


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


def add_provisional(alert: Alert, *, name: str, years: list[int]) -> None:
    """Mark one deadline as also relying on ``years`` without an official arrangement (e.g. an extension's)."""
    if not years:
        return
    current = dict(alert.provisional_deadlines or {})
    current[name] = sorted(set(current.get(name, [])) | set(years))
    alert.provisional_deadlines = current
    alert.deadlines_provisional = True


def _relied_years(alert: Alert) -> set[int]:
    return {int(year) for years in (alert.provisional_deadlines or {}).values() for year in years}


def _spanned_years(alert: Alert) -> set[int]:
    """The local years from the case's opening to its latest deadline (the days its deadlines were counted on)."""
    moments = [alert.opened_at, alert.clock_started_at, alert.ack_due, alert.response_due, alert.close_due]
    years = [local.year for moment in moments if (local := to_local(moment)) is not None]
    return set(range(min(years), max(years) + 1)) if years else set()


def _targets(alert: Alert, calendar: WorkCalendar, years: list[int] | None) -> set[int]:
    relied = _relied_years(alert)
    if years is None:
        return {year for year in relied if not calendar.is_provisional(year)}
    return (relied | _spanned_years(alert)) & set(years)


def recompute_deadlines(session: Session, *, years: list[int] | None = None, actor: User | None = None) -> int:
    """Recompute the deadlines of live cases whose days in ``years`` changed; returns how many changed.

    ``years``: the years just entered, replaced or removed (None: every year a provisional deadline relied on
    that is no longer provisional, e.g. after a library upgrade). Deadlines already met stay; each change
    is an audit event with the old and new deadlines; a deadline moved earlier is notified (notify rules).
    """
    calendar = work_calendar(session)
    live = [status.value for status in LIVE_STATUSES]
    query = select(Alert).where(Alert.status.in_(live)).order_by(Alert.id)
    if years is None:
        query = query.where(Alert.deadlines_provisional.is_(True))
    changed = 0
    for alert in session.scalars(query):
        targets = _targets(alert, calendar, years)
        if targets and _recompute_one(session, alert=alert, years=sorted(targets), actor=actor):
            changed += 1
    return changed


def _recompute_one(session: Session, *, alert: Alert, years: list[int], actor: User | None) -> bool:
    before, provisional_before = snapshot(alert), dict(alert.provisional_deadlines or {})
    old = {name: getattr(alert, field) for name, field in DUE_FIELDS.items()}
    apply_deadlines(session, alert=alert, keep_met=True)
    after = snapshot(alert)
    if after == before and alert.provisional_deadlines == provisional_before:
        return False
    earlier = [
        name
        for name, field in DUE_FIELDS.items()
        if old[name] is not None and getattr(alert, field) is not None and getattr(alert, field) < old[name]
    ]
    moved = "；".join(
        f"{LIMIT_LABELS[name]} {_short(before[name])} → {_short(after[name])}"
        for name in LIMIT_NAMES
        if before[name] != after[name]
    )
    entered = "、".join(f"{year}年" for year in years)
    record_event(
        session,
        alert=alert,
        action="recompute_deadlines",
        actor=actor,
        from_status=alert.status,
        to_status=alert.status,
        note=f"{entered}放假安排已更新，时限重新计算：{moved or '时限不变，不再为暂定'}",
        data={
            "years": years,
            "deadlines_before": before,
            "deadlines": after,
            "provisional_before": provisional_before,
            "provisional": dict(alert.provisional_deadlines or {}),
            "earlier": earlier,
        },
    )
    return True


def _short(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "无"
