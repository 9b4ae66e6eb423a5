"""The reminder and escalation sweep (督办), run every minute by the scheduler.

For each open deadline of each live case: a reminder to whoever handles it once ``remind_fraction`` of the
time has passed, the section head at the deadline, leadership once it is ``overdue_grace_minutes`` late
(the case is then flagged as supervised). Each stage fires once per deadline value (an extension that moves
the deadline gives it new ones; so does a recomputation once a provisional year is official). Quiet-hours
policies (一般) wait for the end of the quiet hours and for a working day; a stage that became moot
meanwhile (a reminder after the deadline passed) is skipped. First, deadlines that relied on a provisional
year the holiday library now covers (a newer release) are recomputed.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.grouping import check_growth
from alerts.cases.lifecycle import LIVE_STATUSES, OPEN_STATUSES, Status
from alerts.cases.models import Alert
from alerts.cases.service import get_setting
from alerts.notify.models import ReminderSent
from alerts.sla.calendar import LIMIT_LABELS, WorkCalendar
from alerts.sla.deadlines import alert_policy, recompute_deadlines
from alerts.sla.models import SlaPolicy
from alerts.sla.service import work_calendar
from core.errors import ConfigurationError
from core.timeutil import utcnow

log = logging.getLogger(__name__)

DEADLINES: tuple[tuple[str, str, str, frozenset[Status]], ...] = (
    ("ack", "ack_due", "acknowledged_at", frozenset({Status.new})),
    # A response waiting for sign-off leaves the case responded but the deadline unmet.
    ("response", "response_due", "responded_at", LIVE_STATUSES),
    ("close", "close_due", "closed_at", LIVE_STATUSES),
)


def _window(spec: str) -> tuple[time, time] | None:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError:
        log.error("quiet hours %r cannot be read; reminders are not held back", spec)
        return None
    return start, end


def is_quiet(now: datetime, *, calendar: WorkCalendar, quiet_hours: str, rest_days: bool) -> bool:
    """True inside the quiet hours (which may wrap midnight) or, with ``rest_days``, on a rest day."""
    local = now.astimezone(calendar.zone)
    if rest_days:
        try:
            if not calendar.is_workday(local.date()):
                return True
        except ConfigurationError:
            pass
    window = _window(quiet_hours) if quiet_hours else None
    if window is None:
        return False
    start, end = window
    moment = local.time()
    return moment >= start or moment < end if start > end else start <= moment < end


def stages_due(now: datetime, *, start: datetime, due: datetime, policy: SlaPolicy) -> list[str]:
    """The stages reached at ``now``: a reminder before the deadline, ``due`` at it, ``overdue`` past the grace."""
    if now >= due + timedelta(minutes=policy.overdue_grace_minutes):
        return ["due", "overdue"]
    if now >= due:
        return ["due"]
    if now >= start + (due - start) * policy.remind_fraction:
        return ["remind"]
    return []


# Cases swept per transaction by the scheduled job: checking growth and firing stages for every live case at once
# held SQLite's write lock for seconds on a busy machine, and grows with the number of open cases.
SWEEP_CHUNK = 20

NOTES = {
    "remind": "{label}时限将于 {due} 到期，请抓紧办理",
    "due": "{label}时限已到（{due}），请科室负责人过问",
    "overdue": "{label}已超时（时限 {due}），转中心领导督办",
}


def _fire(session: Session, alert: Alert, deadline: str, stage: str, due: datetime, now: datetime) -> bool:
    savepoint = session.begin_nested()
    try:
        session.add(ReminderSent(alert_id=alert.id, deadline=deadline, stage=stage, due_at=due, sent_at=now))
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    local_due = due.astimezone(work_calendar().zone).strftime("%Y-%m-%d %H:%M")
    if stage == "overdue" and not alert.escalated:
        alert.escalated, alert.escalated_at = True, now
    record_event(
        session,
        alert=alert,
        action=stage,
        actor=None,
        from_status=alert.status,
        to_status=alert.status,
        note=NOTES[stage].format(label=LIMIT_LABELS[deadline], due=local_due),
        data={"deadline": deadline, "stage": stage, "due": due.astimezone(work_calendar().zone).isoformat()},
        at=now,
    )
    return True


def sweep(session: Session, *, now: datetime | None = None) -> int:
    """Fire every reminder stage that is due and not yet sent; returns how many fired."""
    now = now or utcnow()
    # A library release that now covers a year some deadlines were provisional for: recompute them first.
    recompute_deadlines(session)
    fired, after = 0, 0
    while True:
        part, last = sweep_cases(session, now=now, after_id=after)
        fired += part
        if last is None:
            return fired
        after = last


def sweep_cases(
    session: Session, *, now: datetime, after_id: int = 0, limit: int | None = None
) -> tuple[int, int | None]:
    """Fire the due stages of up to ``limit`` live cases after ``after_id`` (by id, ``SWEEP_CHUNK`` by default); (how
    many fired, the last case's id, or None when no case was left).

    A caller may commit between chunks: each stage fires once (``ReminderSent``), so a chunk run again fires nothing.
    """
    cases = list(
        session.scalars(
            select(Alert)
            .where(Alert.status.in_([s.value for s in LIVE_STATUSES]), Alert.id > after_id)
            .order_by(Alert.id)
            .limit(limit or SWEEP_CHUNK)
        )
    )
    if not cases:
        return 0, None
    quiet = get_setting(session, key="reminders")
    calendar = work_calendar(session)
    quiet_now = is_quiet(
        now,
        calendar=calendar,
        quiet_hours=str(quiet.get("quiet_hours") or ""),
        rest_days=bool(quiet.get("quiet_on_rest_days")),
    )
    sent = {
        (row.alert_id, row.deadline, row.stage, row.due_at)
        for row in session.scalars(
            select(ReminderSent).where(
                ReminderSent.alert_id.in_([alert.id for alert in cases]),
                ReminderSent.sent_at > now - timedelta(days=400),
            )
        )
    }
    fired = 0
    for alert in cases:
        if alert.kind == "complaint" and alert.status in {s.value for s in OPEN_STATUSES}:
            check_growth(session, alert=alert, now=now)
        try:
            policy = alert_policy(session, alert=alert)
        except ConfigurationError:
            continue
        if policy.quiet_hours and quiet_now:
            continue
        for deadline, due_field, met_field, statuses in DEADLINES:
            due = getattr(alert, due_field)
            if due is None or getattr(alert, met_field) is not None or alert.status not in statuses:
                continue
            start = alert.opened_at if deadline == "ack" else (alert.clock_started_at or alert.opened_at)
            for stage in stages_due(now, start=start, due=due, policy=policy):
                if (alert.id, deadline, stage, due) in sent:
                    continue
                fired += _fire(session, alert, deadline, stage, due, now)
    session.flush()
    return fired, cases[-1].id
