"""Timeliness figures for leadership, read from the audit log, per section, category or period.

For each case opened in the period (merged cases are left out):
- signed for at: its first ``acknowledge`` event; responded at: the last published response (one needing
  no sign-off, or the sign-off of one) if the case still stands responded or closed; closed at: its last
  ``close`` event if it is closed. Each is compared with the deadline in force (after extensions).
- an on-time rate counts the cases where the act was done, or its deadline has passed without it:
  on time / (done + overdue and not done). Dismissed cases count only in ``alerts`` and ``dismissed``.
- hours are calendar hours from opening; the 90th percentile is the nearest-rank one.
- overdue: live cases (not closed, dismissed or merged) with a deadline passed and its act not done.
- sent-back rate: cases sent back (退回) at least once among cases ever assigned (转办).
- satisfaction rate: among cases with a follow-up (回访), those whose latest is 满意 or 基本满意;
  ``reopened`` counts cases sent back for redoing (发回重办) after an unhappy follow-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.cases.lifecycle import LIVE_STATUSES, Status
from alerts.cases.models import Alert, AlertEvent
from core.models import Section
from core.timeutil import to_local, utcnow


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass(slots=True)
class Timeliness:
    """Figures for one group of alerts; every field adds up across groups."""

    alerts: int = 0
    dismissed: int = 0
    ack_on_time: int = 0
    ack_decided: int = 0
    response_on_time: int = 0
    response_decided: int = 0
    close_on_time: int = 0
    close_decided: int = 0
    hours_to_ack: float = 0.0
    acked: int = 0
    responded: int = 0
    hours_to_close: float = 0.0
    closed: int = 0
    overdue: int = 0
    assigned: int = 0
    sent_back: int = 0
    followed_up: int = 0
    satisfied: int = 0
    reopened: int = 0
    ack_hours: list[float] = field(default_factory=list)
    close_hours: list[float] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def ack_on_time_rate(self) -> float | None:
        """Share signed for on time among alerts signed for or already overdue."""
        return self._rate(self.ack_on_time, self.ack_decided)

    @property
    def response_on_time_rate(self) -> float | None:
        """Share responded to on time among alerts responded to or already overdue."""
        return self._rate(self.response_on_time, self.response_decided)

    @property
    def close_on_time_rate(self) -> float | None:
        """Share closed on time among alerts closed or already overdue."""
        return self._rate(self.close_on_time, self.close_decided)

    @property
    def mean_hours_to_ack(self) -> float | None:
        """Mean hours from opening to sign-for."""
        return self.hours_to_ack / self.acked if self.acked else None

    @property
    def mean_hours_to_close(self) -> float | None:
        """Mean hours from opening to closure."""
        return self.hours_to_close / self.closed if self.closed else None

    @property
    def p90_hours_to_ack(self) -> float | None:
        """90th percentile of hours from opening to sign-for."""
        return percentile(self.ack_hours, 0.9)

    @property
    def p90_hours_to_close(self) -> float | None:
        """90th percentile of hours from opening to closure."""
        return percentile(self.close_hours, 0.9)

    @property
    def sent_back_rate(self) -> float | None:
        """Share of assigned alerts sent back at least once."""
        return self._rate(self.sent_back, self.assigned)

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of followed-up alerts whose latest follow-up was 满意 or 基本满意."""
        return self._rate(self.satisfied, self.followed_up)

    def _deadline(self, name: str, done: datetime | None, due: datetime | None, now: datetime) -> None:
        if due is None:
            return
        if done is not None:
            setattr(self, f"{name}_decided", getattr(self, f"{name}_decided") + 1)
            setattr(self, f"{name}_on_time", getattr(self, f"{name}_on_time") + int(done <= due))
        elif now > due:
            setattr(self, f"{name}_decided", getattr(self, f"{name}_decided") + 1)

    def add(self, alert: Alert, now: datetime) -> None:
        """Count one alert from its audit log and current deadlines."""
        facts = CaseFacts.of(alert)
        self.alerts += 1
        if alert.status == Status.dismissed:
            self.dismissed += 1
            return
        self._deadline("ack", facts.acknowledged_at, alert.ack_due, now)
        self._deadline("response", facts.responded_at, alert.response_due, now)
        self._deadline("close", facts.closed_at, alert.close_due, now)
        if facts.acknowledged_at is not None:
            self.acked += 1
            hours = (facts.acknowledged_at - alert.opened_at).total_seconds() / 3600
            self.hours_to_ack += hours
            self.ack_hours.append(hours)
        if facts.responded_at is not None:
            self.responded += 1
        if facts.closed_at is not None:
            self.closed += 1
            hours = (facts.closed_at - alert.opened_at).total_seconds() / 3600
            self.hours_to_close += hours
            self.close_hours.append(hours)
        if alert.status in {s.value for s in LIVE_STATUSES} and facts.overdue(alert, now):
            self.overdue += 1
        self.assigned += facts.assigned
        self.sent_back += facts.sent_back
        if facts.satisfaction is not None:
            self.followed_up += 1
            self.satisfied += facts.satisfaction in ("满意", "基本满意")
        self.reopened += facts.reopened_unhappy


@dataclass(slots=True)
class CaseFacts:
    """What the audit log says about one case."""

    acknowledged_at: datetime | None = None
    responded_at: datetime | None = None
    closed_at: datetime | None = None
    assigned: bool = False
    sent_back: bool = False
    satisfaction: str | None = None
    reopened_unhappy: bool = False

    @classmethod
    def of(cls, alert: Alert) -> CaseFacts:
        """Read the facts from the alert's events."""
        facts = cls()
        events: Iterable[AlertEvent] = sorted(alert.events, key=lambda e: e.id)
        for event in events:
            if event.action == "acknowledge" and facts.acknowledged_at is None:
                facts.acknowledged_at = event.at
            elif event.action == "sign_off" or (
                event.action == "respond" and not (event.data or {}).get("awaiting_sign_off")
            ):
                facts.responded_at = event.at
            elif event.action == "reject_response":
                facts.responded_at = None
            elif event.action == "close":
                facts.closed_at = event.at
            elif event.action == "assign":
                facts.assigned = True
            elif event.action == "send_back":
                facts.sent_back = True
            elif event.action == "follow_up":
                facts.satisfaction = (event.data or {}).get("satisfaction")
            elif event.action == "reopen":
                facts.responded_at = facts.closed_at = None
                if (event.data or {}).get("cause") == "dissatisfied":
                    facts.reopened_unhappy = True
        if alert.status not in (Status.responded, Status.closed):
            facts.responded_at = None
        if alert.status != Status.closed:
            facts.closed_at = None
        return facts

    def overdue(self, alert: Alert, now: datetime) -> bool:
        """True when a deadline of the open case has passed without its act."""
        return any(
            due is not None and done is None and now > due
            for due, done in (
                (alert.ack_due, self.acknowledged_at),
                (alert.response_due, self.responded_at),
                (alert.close_due, self.closed_at),
            )
        )


def _alerts(
    session: Session,
    *,
    start: datetime | None,
    end: datetime | None,
    section_id: int | None = None,
    category: str | None = None,
) -> list[Alert]:
    query = (
        select(Alert)
        .where(Alert.status != Status.merged.value)
        .options(selectinload(Alert.section), selectinload(Alert.events))
        .order_by(Alert.opened_at)
    )
    if start is not None:
        query = query.where(Alert.opened_at >= start)
    if end is not None:
        query = query.where(Alert.opened_at < end)
    if section_id is not None:
        query = query.where(Alert.section_id == section_id)
    if category is not None:
        query = query.where(Alert.category == category)
    return list(session.scalars(query))


def group_figures(
    session: Session,
    *,
    key: Callable[[Alert], str],
    start: datetime | None = None,
    end: datetime | None = None,
    section_id: int | None = None,
    category: str | None = None,
    now: datetime | None = None,
) -> dict[str, Timeliness]:
    """Figures of the alerts opened in [start, end), grouped by ``key(alert)``."""
    now = now or utcnow()
    groups: dict[str, Timeliness] = {}
    for alert in _alerts(session, start=start, end=end, section_id=section_id, category=category):
        groups.setdefault(key(alert), Timeliness()).add(alert, now)
    return groups


def period_key(kind: str) -> Callable[[Alert], str]:
    """Group by the local day (``2025-10-09``), ISO week (``2025-W41``) or month (``2025-10``) of opening."""

    def key(alert: Alert) -> str:
        local = to_local(alert.opened_at)
        assert local is not None
        if kind == "day":
            return local.date().isoformat()
        if kind == "week":
            year, week, _ = local.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{local.year}-{local.month:02d}"

    return key


def timeliness_by_section(
    session: Session, *, start: datetime | None = None, end: datetime | None = None
) -> list[tuple[Section | None, Timeliness]]:
    """Per section (by its alerts opened in [start, end)), the figures; unassigned ones last."""
    now = utcnow()
    groups: dict[int | None, tuple[Section | None, Timeliness]] = {}
    for alert in _alerts(session, start=start, end=end):
        if alert.section_id not in groups:
            groups[alert.section_id] = (alert.section, Timeliness())
        groups[alert.section_id][1].add(alert, now)
    return sorted(groups.values(), key=lambda item: (item[0] is None, item[0].id if item[0] else 0))
