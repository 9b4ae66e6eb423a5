"""Figures for leadership."""

from __future__ import annotations

from datetime import date, datetime, time

from fastapi import APIRouter

from alerts.schemas import TimelinessReport, TimelinessRow
from alerts.stats import timeliness_by_section
from api.deps import CurrentUser, SessionDep
from core.errors import InvalidInput
from core.schemas import SectionRef
from core.timeutil import local_zone
from core.types import Role

router = APIRouter(prefix="/stats", tags=["stats"])


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


@router.get("/timeliness")
def timeliness(
    session: SessionDep, user: CurrentUser, start: str | None = None, end: str | None = None
) -> TimelinessReport:
    """Per section: alerts opened in [start, end), on-time sign-for and close rates, mean hours."""
    start_at, end_at = _as_datetime(start, "start"), _as_datetime(end, "end")
    rows = []
    for section, figures in timeliness_by_section(session, start=start_at, end=end_at):
        if user.role in (Role.staff, Role.head) and (section is None or section.id != user.section_id):
            continue
        rows.append(
            TimelinessRow(
                section=SectionRef.model_validate(section) if section else None,
                alerts=figures.alerts,
                acknowledged=figures.acked,
                closed=figures.closed,
                ack_on_time_rate=figures.ack_on_time_rate,
                close_on_time_rate=figures.close_on_time_rate,
                mean_hours_to_ack=figures.mean_hours_to_ack,
                mean_hours_to_close=figures.mean_hours_to_close,
            )
        )
    return TimelinessReport(start=start_at, end=end_at, sections=rows)
