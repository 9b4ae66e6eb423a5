"""Figures for leadership: timeliness per section, category or period (definitions: ``alerts/cases/stats.py``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from alerts.cases.stats import Timeliness, group_figures, period_key
from api.deps import CurrentUser, SessionDep
from core.bounds import RowId
from core.errors import InvalidInput
from core.models import Section
from core.schemas import LocalDatetime, SectionRef
from core.timeutil import local_zone
from core.types import CATEGORY_LABELS, Role

router = APIRouter(prefix="/stats", tags=["stats"])


class TimelinessRow(BaseModel):
    """The figures of one group (a section, a category or a period)."""

    key: str
    label: str
    section: SectionRef | None = None
    alerts: int
    dismissed: int
    acknowledged: int
    responded: int
    closed: int
    ack_on_time_rate: float | None
    response_on_time_rate: float | None
    close_on_time_rate: float | None
    mean_hours_to_ack: float | None
    p90_hours_to_ack: float | None
    mean_hours_to_close: float | None
    p90_hours_to_close: float | None
    overdue: int
    sent_back: int
    sent_back_rate: float | None
    followed_up: int
    satisfied: int
    satisfaction_rate: float | None
    reopened: int


class TimelinessReport(BaseModel):
    """Timeliness for a period, grouped; ``sections`` repeats the rows when grouped by section."""

    start: LocalDatetime | None
    end: LocalDatetime | None
    by: str
    rows: list[TimelinessRow]
    total: TimelinessRow
    sections: list[TimelinessRow]


def _as_datetime(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=local_zone())
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{field} 应为日期（2025-10-01）或带时区的时间", details={"field": field}) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local_zone())


def _row(key: str, label: str, figures: Timeliness, section: Section | None = None) -> TimelinessRow:
    return TimelinessRow(
        key=key,
        label=label,
        section=SectionRef.model_validate(section) if section else None,
        alerts=figures.alerts,
        dismissed=figures.dismissed,
        acknowledged=figures.acked,
        responded=figures.responded,
        closed=figures.closed,
        ack_on_time_rate=figures.ack_on_time_rate,
        response_on_time_rate=figures.response_on_time_rate,
        close_on_time_rate=figures.close_on_time_rate,
        mean_hours_to_ack=figures.mean_hours_to_ack,
        p90_hours_to_ack=figures.p90_hours_to_ack,
        mean_hours_to_close=figures.mean_hours_to_close,
        p90_hours_to_close=figures.p90_hours_to_close,
        overdue=figures.overdue,
        sent_back=figures.sent_back,
        sent_back_rate=figures.sent_back_rate,
        followed_up=figures.followed_up,
        satisfied=figures.satisfied,
        satisfaction_rate=figures.satisfaction_rate,
        reopened=figures.reopened,
    )


@router.get("/timeliness")
def timeliness(
    session: SessionDep,
    user: CurrentUser,
    start: str | None = None,
    end: str | None = None,
    by: Literal["section", "category", "period"] = "section",
    period: Literal["day", "week", "month"] = "month",
    section_id: RowId | None = None,
    category: str | None = None,
) -> TimelinessReport:
    """Alerts opened in [start, end): on-time sign-for, response and close rates, mean and 90th-percentile
    hours to sign for and to close, overdue count, sent-back rate, satisfaction rate — grouped ``by``."""
    start_at, end_at = _as_datetime(start, "start"), _as_datetime(end, "end")
    if user.role in (Role.staff, Role.head):
        section_id = user.section_id  # a section sees its own figures
    sections = {s.id: s for s in session.scalars(select(Section))}
    if by == "section":
        key = lambda alert: str(alert.section_id or "")  # noqa: E731
    elif by == "category":
        key = lambda alert: alert.category  # noqa: E731
    else:
        key = period_key(period)
    groups = group_figures(session, key=key, start=start_at, end=end_at, section_id=section_id, category=category)
    rows = []
    for group, figures in sorted(groups.items(), key=lambda item: (item[0] == "", item[0].zfill(6))):
        if by == "section":
            section = sections.get(int(group)) if group else None
            rows.append(_row(group or "none", section.name if section else "未分派", figures, section))
        elif by == "category":
            rows.append(_row(group, CATEGORY_LABELS.get(group, group), figures))
        else:
            rows.append(_row(group, group, figures))
    total = Timeliness()
    for figures in groups.values():
        for name in total.__slots__:
            setattr(total, name, getattr(total, name) + getattr(figures, name))
    return TimelinessReport(
        start=start_at,
        end=end_at,
        by=by,
        rows=rows,
        total=_row("total", "合计", total),
        sections=rows if by == "section" else [],
    )
