"""Deadlines on the working-day calendar (cases worked out by hand from the official holiday notices)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.sla.calendar import Limit, WorkCalendar, compute_deadlines, parse_office_hours
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


def test_a_year_without_an_official_arrangement_uses_the_provisional_calendar() -> None:
    deadlines = compute_deadlines(calendar=calendar(), limits=ORDINARY, start=at("2026-12-28 10:00"))
    assert (deadlines.ack_due, deadlines.response_due, deadlines.close_due) == (
        at("2026-12-29 17:30"),
        at("2026-12-31 17:30"),
        at("2027-01-05 17:30"),  # 1 Jan 2027 (Friday) is 元旦, then the weekend
    )
    assert deadlines.provisional == {"close": [2027]}  # each deadline on its own
    close = deadlines.explanations[-1]
    assert {n.day.isoformat(): n.reason for n in close.notes}["2027-01-01"] == "跳过：元旦假期（暂定）"


def test_calendar_time_never_relies_on_a_provisional_year() -> None:
    major = {"ack": {"amount": 30, "unit": "minutes"}, "close": {"amount": 24, "unit": "hours"}}
    deadlines = compute_deadlines(calendar=calendar(), limits=major, start=at("2026-12-31 12:00"))
    assert deadlines.close_due == at("2027-01-01 12:00") and deadlines.provisional == {}


def test_a_year_the_calendar_cannot_compute_names_the_field() -> None:
    from alerts.sla.calendar import YearOutOfRange

    with pytest.raises(YearOutOfRange, match="2100") as raised:
        compute_deadlines(calendar=calendar(), limits=ORDINARY, start=at("2100-03-01 09:00"))
    assert raised.value.details["field"] == "start"
    with pytest.raises(YearOutOfRange) as raised:
        compute_deadlines(calendar=calendar(), limits=ORDINARY, start=at("2099-12-30 09:00"), field="received_at")
    assert raised.value.details == {"field": "received_at", "year": 2100}
    with pytest.raises(YearOutOfRange):
        calendar().describe_day(datetime(1899, 12, 31).date())


def test_a_later_step_is_never_due_before_an_earlier_one() -> None:
    deadlines = compute_deadlines(calendar=calendar(), limits=SIGNIFICANT, start=at("2025-09-30 16:00"))
    assert deadlines.ack_due == deadlines.response_due == deadlines.close_due == at("2025-10-09 09:00")
    response = deadlines.explanations[1]
    assert response.held_to == "ack" and response.policy_due == at("2025-10-01 16:00")
    assert deadlines.explanations[2].held_to == "ack" and deadlines.explanations[0].held_to is None
    # On a working afternoon nothing is moved.
    ordinary_day = compute_deadlines(calendar=calendar(), limits=SIGNIFICANT, start=at("2025-09-29 10:00"))
    assert all(e.held_to is None for e in ordinary_day.explanations)


def test_keep_in_order_leaves_met_steps_alone() -> None:
    from alerts.sla.calendar import keep_in_order

    due: dict[str, datetime | None] = {
        "ack": at("2025-10-09 09:00"),
        "response": at("2025-10-01 16:00"),
        "close": at("2025-10-02 16:00"),
    }
    years = {"ack": [2027]}
    assert keep_in_order(dict(due), dict(years)) == {"response": "ack", "close": "ack"}
    moved, moved_years = dict(due), dict(years)
    keep_in_order(moved, moved_years)
    assert moved_years == {"ack": [2027], "response": [2027], "close": [2027]}  # the time taken brings its years
    assert keep_in_order(dict(due), met=["ack"]) == {}


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


# Hand-worked cases from the State Council holiday notices for 2025 and 2026.
# (severity limits as in docs/product.md; start → expected ack, response, close; None where the policy has none)
SIGNIFICANT = {
    "ack": {"amount": 2, "unit": "working_hours"},
    "response": {"amount": 24, "unit": "hours"},
    "close": {"amount": 48, "unit": "hours"},
}
MAJOR = {
    "ack": {"amount": 30, "unit": "minutes"},
    "response": {"amount": 5, "unit": "hours"},
    "close": {"amount": 24, "unit": "hours"},
}
INFO_REQUEST = {"ack": {"amount": 1, "unit": "working_days"}, "close": {"amount": 20, "unit": "working_days"}}

CASES = [
    # Opened on a holiday: the next working day is 9 Oct.
    (ORDINARY, "2025-10-03 10:00", ("2025-10-09 17:30", "2025-10-11 17:30", "2025-10-14 17:30")),
    # Opened on the make-up Saturday: it is the start day, so not counted itself.
    (ORDINARY, "2025-10-11 10:00", ("2025-10-13 17:30", "2025-10-15 17:30", "2025-10-17 17:30")),
    # Friday evening before Labour Day 2025 (1–5 May off, Sunday 27 April worked).
    (ORDINARY, "2025-04-25 18:00", ("2025-04-27 17:30", "2025-04-29 17:30", "2025-05-06 17:30")),
    # Spring Festival 2026: 15–23 Feb off, Saturdays 14 and 28 Feb worked.
    (ORDINARY, "2026-02-13 09:00", ("2026-02-14 17:30", "2026-02-25 17:30", "2026-02-27 17:30")),
    # National Day 2026: 1–7 Oct off, Sunday 20 Sep and Saturday 10 Oct worked.
    (ORDINARY, "2026-09-30 11:00", ("2026-10-08 17:30", "2026-10-10 17:30", "2026-10-13 17:30")),
    # Two working hours from 16:00 before the break: 1.5 h that day, 0.5 h on the next working morning.
    # The 24 h response and 48 h close would fall before the sign-for: they take its due time.
    (SIGNIFICANT, "2025-09-30 16:00", ("2025-10-09 09:00", "2025-10-09 09:00", "2025-10-09 09:00")),
    # After office hours on the make-up Sunday 28 Sep 2025: the clock opens on Monday.
    (SIGNIFICANT, "2025-09-28 18:00", ("2025-09-29 10:30", "2025-09-29 18:00", "2025-09-30 18:00")),
    # Starting at lunch: counted from 13:30; exactly the end of the morning window stays at 12:00.
    (SIGNIFICANT, "2025-09-29 10:00", ("2025-09-29 12:00", "2025-09-30 10:00", "2025-10-01 10:00")),
    # Major cases run day and night, holidays included.
    (MAJOR, "2026-02-17 23:40", ("2026-02-18 00:10", "2026-02-18 04:40", "2026-02-18 23:40")),
    # Information request: 20 working days over the 2025 National Day break.
    (INFO_REQUEST, "2025-09-26 10:00", ("2025-09-28 17:30", None, "2025-10-30 17:30")),
]


@pytest.mark.parametrize(("limits", "start", "expected"), CASES)
def test_hand_worked_cases(limits: dict[str, object], start: str, expected: tuple[str | None, ...]) -> None:
    deadlines = compute_deadlines(calendar=calendar(), limits=limits, start=at(start))  # type: ignore[arg-type]
    got = (deadlines.ack_due, deadlines.response_due, deadlines.close_due)
    assert got == tuple(at(value) if value else None for value in expected)


def test_office_hours_are_configurable() -> None:
    late = WorkCalendar(zone=SHANGHAI, office_hours=parse_office_hours("09:00-12:00,14:00-18:00"))
    deadlines = compute_deadlines(calendar=late, limits=ORDINARY, start=at("2025-09-30 16:00"))
    assert deadlines.ack_due == at("2025-10-09 18:00")
    limits = {"ack": {"amount": 2, "unit": "working_hours"}}
    assert compute_deadlines(calendar=late, limits=limits, start=at("2025-09-29 11:30")).ack_due == at(
        "2025-09-29 15:30"
    )


def test_extension_on_top_of_a_deadline_uses_the_calendar() -> None:
    cal = calendar()
    extended = cal.add(at("2025-09-30 17:30"), Limit.parse({"amount": 20, "unit": "working_days"}), [])
    # 1–8 Oct off, Saturday 11 Oct worked: 9 Oct is the 1st working day after 30 Sep, 4 Nov the 20th.
    assert extended == at("2025-11-04 17:30")
