"""Score sheets counted from the audit log (``alert_event``): each point is one event of one case.

What each item counts, for the events of a period (by the event's local time) and the case's section:
- late_ack: ``acknowledge`` stamped ``late`` (older events without the stamp: later than the case's ack_due);
- overdue: ``overdue`` (the sweep's) for the response or close deadline, once per case;
- escalated: each ``escalate``; reopened: each ``reopen``; dissatisfied: each ``follow_up`` with 不满意;
- on_time_close: the case's last ``close`` of the period, when stamped not ``late`` (older: by close_due).
Points per occurrence and caps come from the policy; the total is base − deductions + additions, held
between the policy's floor and ceiling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.models import Alert, AlertEvent
from alerts.scoring.schemas import ITEMS, Evidence, Sheet, SheetItem
from core.errors import InvalidInput
from core.models import Section
from core.schemas import SectionRef
from core.timeutil import local_zone

ACTIONS = ("acknowledge", "overdue", "escalate", "reopen", "follow_up", "close")
ONCE_PER_CASE = {"overdue": "first", "on_time_close": "last"}


@dataclass(frozen=True, slots=True)
class Period:
    """A month (``2026-10``) or a year (``2026``) in the office's zone."""

    key: str
    kind: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """``2026年10月`` or ``2026年度``."""
        return f"{self.start.year}年{self.start.month}月" if self.kind == "month" else f"{self.start.year}年度"


def parse_period(text: str) -> Period:
    """``YYYY-MM`` or ``YYYY``; anything else refused naming the field."""
    zone = local_zone()
    value = (text or "").strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", value)
    if (
        match is None
        or not 2000 <= int(match.group(1)) <= 2100
        or (match.group(2) and not 1 <= int(match.group(2)) <= 12)
    ):
        raise InvalidInput("考核期间应为年月（2026-10）或年份（2026）", details={"field": "period"})
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        start = datetime.combine(date(year, month, 1), time(0), zone)
        end = datetime.combine(date(year + month // 12, month % 12 + 1, 1), time(0), zone)
        return Period(f"{year}-{month:02d}", "month", start, end)
    return Period(
        str(year),
        "year",
        datetime.combine(date(year, 1, 1), time(0), zone),
        datetime.combine(date(year + 1, 1, 1), time(0), zone),
    )


@dataclass(frozen=True, slots=True)
class Fact:
    """One counted occurrence: the item, the case and its section, the event."""

    item: str
    section_id: int
    alert_id: int
    event_id: int
    at: datetime
    title: str


def _late(event: AlertEvent, due: datetime | None) -> bool | None:
    data = event.data or {}
    if "late" in data:
        return bool(data["late"])
    return None if due is None else event.at > due


def item_of(event: AlertEvent, alert: Alert) -> str | None:
    """The item an audit event counts for, if any."""
    data = event.data or {}
    if event.action == "acknowledge":
        return "late_ack" if _late(event, alert.ack_due) else None
    if event.action == "overdue":
        return "overdue" if data.get("deadline") in ("response", "close") else None
    if event.action == "escalate":
        return "escalated"
    if event.action == "reopen":
        return "reopened"
    if event.action == "follow_up":
        return "dissatisfied" if data.get("satisfaction") == "不满意" else None
    if event.action == "close":
        # A late close still takes the case's "last close" place, so an earlier on-time close does not count.
        return "on_time_close" if _late(event, alert.close_due) is False else "late_close"
    return None


def facts(session: Session, *, period: Period) -> list[Fact]:
    """Every counted occurrence of the period, oldest first."""
    rows = session.execute(
        select(AlertEvent, Alert)
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(AlertEvent.at >= period.start, AlertEvent.at < period.end, AlertEvent.action.in_(ACTIONS))
        .where(Alert.section_id.is_not(None))
        .order_by(AlertEvent.at, AlertEvent.id)
    )
    found: list[Fact] = []
    for event, alert in rows:
        item = item_of(event, alert)
        if item is not None:
            assert alert.section_id is not None
            found.append(Fact(item, alert.section_id, alert.id, event.id, event.at, alert.title))
    return _once_per_case(found)


def _once_per_case(found: list[Fact]) -> list[Fact]:
    kept: dict[tuple[str, int], Fact] = {}
    rest: list[Fact] = []
    for fact in found:
        group = "on_time_close" if fact.item == "late_close" else fact.item
        rule = ONCE_PER_CASE.get(group)
        if rule is None:
            rest.append(fact)
        elif rule == "last" or (group, fact.alert_id) not in kept:
            kept[(group, fact.alert_id)] = fact
    chosen = [fact for fact in kept.values() if fact.item != "late_close"]
    return sorted(rest + chosen, key=lambda f: (f.at, f.event_id))


def _item(key: str, rule: dict[str, Any], occurrences: list[Fact]) -> SheetItem:
    points_each = float(rule.get("points") or 0)
    cap = rule.get("cap")
    raw = points_each * len(occurrences)
    points = min(raw, float(cap)) if cap is not None else raw
    spec = ITEMS[key]
    return SheetItem(
        key=key,
        label=spec.label,
        direction=spec.direction,
        count=len(occurrences),
        points_each=points_each,
        cap=float(cap) if cap is not None else None,
        points=round(points, 2),
        capped=points < raw,
        evidence=[
            Evidence(alert_id=f.alert_id, event_id=f.event_id, at=f.at, title=f.title, url=f"/alerts/{f.alert_id}")
            for f in occurrences
        ],
    )


def sheet(section: Section, rules: dict[str, Any], occurrences: Iterable[Fact]) -> Sheet:
    """One section's sheet under ``rules``."""
    mine = list(occurrences)
    items = [_item(key, (rules.get("items") or {}).get(key) or {}, [f for f in mine if f.item == key]) for key in ITEMS]
    deductions = sum(i.points for i in items if i.direction == "deduct")
    additions = sum(i.points for i in items if i.direction == "add")
    base = float(rules.get("base") or 0)
    total = base - deductions + additions
    floor, ceiling = rules.get("floor"), rules.get("ceiling")
    bounded = total
    if floor is not None:
        bounded = max(bounded, float(floor))
    if ceiling is not None:
        bounded = min(bounded, float(ceiling))
    return Sheet(
        section=SectionRef.model_validate(section),
        base=base,
        deductions=round(deductions, 2),
        additions=round(additions, 2),
        total=round(bounded, 2),
        bounded=bounded != total,
        items=items,
    )


def sheets(session: Session, *, period: Period, rules: dict[str, Any], section_id: int | None = None) -> list[Sheet]:
    """Every active section's sheet (or one section's) for the period."""
    query = select(Section).where(Section.active.is_(True)).order_by(Section.id)
    if section_id is not None:
        query = select(Section).where(Section.id == section_id)
    counted = facts(session, period=period)
    return [sheet(s, rules, (f for f in counted if f.section_id == s.id)) for s in session.scalars(query)]
