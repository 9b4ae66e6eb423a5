"""The timeliness figures rebuilt from the audit log alone (``muqing stats recount``), never from the case columns.

Each case is replayed from its events in order: the ``raise`` event gives when it was opened, its section and its
first deadlines (``alerts.cases.deadline_log.opening_data``); ``deadline`` events move a deadline; ``assign`` and
``section`` events move the section; every event's ``to_status`` is the state it left the case in. The figures
are then counted by the same rules as the dashboard (``alerts.cases.stats.Timeliness``), so where the log and the
case columns agree, so do the figures; where someone edited a column by hand, the recount shows the log's truth.
Cases opened before the log recorded openings (no ``opened_at`` in their ``raise`` event) count from the
``raise`` event's time and have no deadlines; ``skipped`` says how many.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.deadline_log import DUE_FIELDS
from alerts.cases.lifecycle import Status
from alerts.cases.models import AlertEvent
from alerts.cases.stats import Timeliness
from core.models import Section
from core.timeutil import utcnow

SECTION_EVENTS = ("assign", "section")


@dataclass(slots=True)
class LoggedCase:
    """A case as its audit log tells it."""

    id: int
    opened_at: datetime
    section_id: int | None = None
    status: str = Status.new.value
    ack_due: datetime | None = None
    response_due: datetime | None = None
    close_due: datetime | None = None
    events: list[AlertEvent] = field(default_factory=list)
    from_opening: bool = True

    def apply(self, event: AlertEvent) -> None:
        """Replay one event on the case."""
        data: dict[str, Any] = event.data or {}
        if event.action == "deadline":
            for name, change in (data.get("changes") or {}).items():
                if name in DUE_FIELDS:
                    setattr(self, DUE_FIELDS[name], _parse(change.get("to")))
        elif event.action in SECTION_EVENTS and "section_id" in data:
            self.section_id = data["section_id"]
        if event.to_status:
            self.status = event.to_status
        self.events.append(event)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _opened(event: AlertEvent) -> LoggedCase:
    data: dict[str, Any] = event.data or {}
    opened = _parse(data.get("opened_at"))
    case = LoggedCase(id=event.alert_id, opened_at=opened or event.at, from_opening=opened is not None)
    case.section_id = data.get("section_id")
    for name, value in (data.get("deadlines") or {}).items():
        if name in DUE_FIELDS:
            setattr(case, DUE_FIELDS[name], _parse(value))
    return case


def _events(session: Session, batch: int = 2000) -> Iterator[AlertEvent]:
    last = 0
    while True:
        rows = list(
            session.scalars(select(AlertEvent).where(AlertEvent.id > last).order_by(AlertEvent.id).limit(batch))
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def replay(session: Session) -> dict[int, LoggedCase]:
    """Every case the log opened, replayed to its last event."""
    cases: dict[int, LoggedCase] = {}
    for event in _events(session):
        case = cases.get(event.alert_id)
        if case is None:
            if event.action != "raise":
                continue  # a log without its opening (written before openings were logged) cannot be replayed
            case = cases[event.alert_id] = _opened(event)
        case.apply(event)
    return cases


@dataclass(slots=True)
class Recount:
    """The figures per section (section id, name, figures; unassigned last) and how many cases were counted."""

    rows: list[tuple[int | None, str, Timeliness]]
    total: Timeliness
    cases: int
    skipped: int


def recount(session: Session, *, start: datetime, end: datetime, now: datetime | None = None) -> Recount:
    """The figures of cases opened in [start, end), per section, from the audit log alone."""
    now = now or utcnow()
    groups: dict[int | None, Timeliness] = {}
    counted = skipped = 0
    for case in replay(session).values():
        if not (start <= case.opened_at < end) or case.status == Status.merged.value:
            continue
        counted += 1
        skipped += not case.from_opening
        groups.setdefault(case.section_id, Timeliness()).add(case, now)
    names = {section.id: section.name for section in session.scalars(select(Section))}
    rows = [
        (section_id, names.get(section_id, f"科室 {section_id}") if section_id is not None else "未分派", figures)
        for section_id, figures in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))
    ]
    total = Timeliness()
    for figures in groups.values():
        for name in total.__slots__:
            setattr(total, name, getattr(total, name) + getattr(figures, name))
    return Recount(rows=rows, total=total, cases=counted, skipped=skipped)


FIGURES = (
    "alerts",
    "dismissed",
    "acked",
    "ack_on_time",
    "ack_decided",
    "ack_on_time_rate",
    "responded",
    "response_on_time",
    "response_decided",
    "response_on_time_rate",
    "closed",
    "close_on_time",
    "close_decided",
    "close_on_time_rate",
    "mean_hours_to_ack",
    "p90_hours_to_ack",
    "mean_hours_to_close",
    "p90_hours_to_close",
    "overdue",
    "sent_back",
    "sent_back_rate",
    "followed_up",
    "satisfied",
    "satisfaction_rate",
    "reopened",
)


def figures_json(figures: Timeliness) -> dict[str, Any]:
    """One group's figures by name (the names of ``alerts.cases.stats.Timeliness``; rates 0..1, hours as hours)."""
    return {name: getattr(figures, name) for name in FIGURES}
