"""Deadlines on the working-day calendar (cases worked out by hand from the official holiday notices)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.sla import Limit, WorkCalendar, compute_deadlines, parse_office_hours
from core.errors import ConfigurationError, InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDINARY = {
    "ack": {"amount": 1, "unit": "working_days"},
    "response": {"amount": 3, "unit": "working_days"},
    "close": {"amount": 5, "unit": "working_days"},
}


def calendar() -> WorkCalendar:
    return WorkCalendar(zone=SHANGHAI, office_hours=parse_office_hours("08:30-12:00,13:30-17:30"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_design_example_across_national_day_2025() -> None:
    deadlines = compute_deadlines(calendar=calendar(), limits=ORDINARY, start=at("2025-09-30 16:00"))
    assert deadlines.ack_due == at("2025-10-09 17:30")
    # 10-09, 10-10, then Saturday 10-11 is a make-up working day.
    assert deadlines.response_due == at("2025-10-11 17:30")
    assert deadlines.close_due == at("2025-10-14 17:30")
    close = deadlines.explanations[-1]
    reasons = {note.day.isoformat(): note.reason for note in close.notes}
    assert reasons["2025-10-01"].startswith("跳过：国庆节")
    assert reasons["2025-10-11"] == "计入：国庆节调休上班"
    assert reasons["2025-10-12"] == "跳过：周末"


def test_spring_festival_2025_skips_the_whole_break() -> None:
    # 2025 break: 28 Jan – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb worked.
    deadlines = compute_deadlines(calendar=calendar(), limits=ORDINARY, start=at("2025-01-27 10:00"))
    assert deadlines.ack_due == at("2025-02-05 17:30")
    assert deadlines.close_due == at("2025-02-10 17:30")  # 5th, 6th, 7th, Sat 8th (make-up), Mon 10th


def test_working_hours_count_only_inside_office_hours() -> None:
    limits = {"ack": {"amount": 2, "unit": "working_hours"}}
    assert compute_deadlines(calendar=calendar(), limits=limits, start=at("2025-09-30 16:00")).ack_due == at(
        "2025-10-09 09:00"
    )
    # Starting in the lunch break counts from 13:30.
    assert compute_deadlines(calendar=calendar(), limits=limits, start=at("2025-09-29 12:30")).ack_due == at(
        "2025-09-29 15:30"
    )
    # Starting before opening counts from 08:30; the lunch break is not counted.
    assert compute_deadlines(calendar=calendar(), limits=limits, start=at("2025-09-29 07:00")).ack_due == at(
        "2025-09-29 10:30"
    )
    four = {"ack": {"amount": 4, "unit": "working_hours"}}
    assert compute_deadlines(calendar=calendar(), limits=four, start=at("2025-09-29 10:00")).ack_due == at(
        "2025-09-29 15:30"
    )


def test_calendar_hours_run_day_and_night_through_holidays() -> None:
    limits = {"ack": {"amount": 30, "unit": "minutes"}, "close": {"amount": 24, "unit": "hours"}}
    deadlines = compute_deadlines(calendar=calendar(), limits=limits, start=at("2025-10-01 23:50"))
    assert deadlines.ack_due == at("2025-10-02 00:20")
    assert deadlines.close_due == at("2025-10-02 23:50")
    assert deadlines.response_due is None


def test_a_year_the_calendar_does_not_cover_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="2099"):
        compute_deadlines(calendar=calendar(), limits=ORDINARY, start=at("2099-03-02 09:00"))


def test_admin_entered_year_is_used() -> None:
    from datetime import date

    cal = WorkCalendar(
        zone=SHANGHAI,
        office_hours=parse_office_hours("08:30-12:00,13:30-17:30"),
        admin_years={2099: {date(2099, 3, 3): (False, "测试假期")}},
    )
    deadlines = compute_deadlines(
        calendar=cal, limits={"ack": {"amount": 1, "unit": "working_days"}}, start=at("2099-03-02 09:00")
    )
    assert deadlines.ack_due == at("2099-03-04 17:30")


@pytest.mark.parametrize(
    "spec",
    [{"amount": 0, "unit": "hours"}, {"amount": 1, "unit": "fortnights"}, {"amount": 1.5, "unit": "working_days"}],
)
def test_bad_limits_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        Limit.parse(spec)


def test_bad_office_hours_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="办公时间"):
        parse_office_hours("17:30-08:30")
