"""Timeliness figures for leadership, computed from the alerts' recorded times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.lifecycle import Status
from alerts.models import Alert
from core.models import Section
from core.timeutil import utcnow


@dataclass(slots=True)
class Timeliness:
    """On-time figures for one group of alerts (e.g. a section)."""

    alerts: int = 0
    ack_on_time: int = 0
    ack_decided: int = 0
    close_on_time: int = 0
    close_decided: int = 0
    hours_to_ack: float = 0.0
    acked: int = 0
    hours_to_close: float = 0.0
    closed: int = 0

    @property
    def ack_on_time_rate(self) -> float | None:
        """Share signed for on time among alerts signed for or already overdue."""
        return self.ack_on_time / self.ack_decided if self.ack_decided else None

    @property
    def close_on_time_rate(self) -> float | None:
        """Share closed on time among alerts closed or already overdue."""
        return self.close_on_time / self.close_decided if self.close_decided else None

    @property
    def mean_hours_to_ack(self) -> float | None:
        """Mean hours from opening to sign-for."""
        return self.hours_to_ack / self.acked if self.acked else None

    @property
    def mean_hours_to_close(self) -> float | None:
        """Mean hours from opening to closure."""
        return self.hours_to_close / self.closed if self.closed else None

    def add(self, alert: Alert, now: datetime) -> None:
        """Count one alert."""
        self.alerts += 1
        if alert.status == Status.dismissed:
            return
        if alert.ack_due is not None:
            if alert.acknowledged_at is not None:
                self.ack_decided += 1
                self.ack_on_time += alert.acknowledged_at <= alert.ack_due
            elif now > alert.ack_due:
                self.ack_decided += 1
        if alert.acknowledged_at is not None:
            self.acked += 1
            self.hours_to_ack += (alert.acknowledged_at - alert.opened_at).total_seconds() / 3600
        if alert.close_due is not None:
            if alert.closed_at is not None:
                self.close_decided += 1
                self.close_on_time += alert.closed_at <= alert.close_due
            elif now > alert.close_due:
                self.close_decided += 1
        if alert.closed_at is not None:
            self.closed += 1
            self.hours_to_close += (alert.closed_at - alert.opened_at).total_seconds() / 3600


def timeliness_by_section(
    session: Session, *, start: datetime | None = None, end: datetime | None = None
) -> list[tuple[Section | None, Timeliness]]:
    """Per section (by its alerts opened in [start, end)), the on-time figures; unassigned ones last."""
    query = select(Alert).options(selectinload(Alert.section))
    if start is not None:
        query = query.where(Alert.opened_at >= start)
    if end is not None:
        query = query.where(Alert.opened_at < end)
    now = utcnow()
    groups: dict[int | None, tuple[Section | None, Timeliness]] = {}
    for alert in session.scalars(query):
        if alert.section_id not in groups:
            groups[alert.section_id] = (alert.section, Timeliness())
        groups[alert.section_id][1].add(alert, now)
    return sorted(groups.values(), key=lambda item: (item[0] is None, item[0].id if item[0] else 0))
