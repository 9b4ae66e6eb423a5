"""The provisional calendar: statutory days from the lunar library, checked against the official calendars."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from alerts.sla.statutory import FIRST_YEAR, LAST_YEAR, library_covers, qingming, statutory_days


def test_2027_statutory_days_off() -> None:
    days = statutory_days(2027)
    assert days == {
        date(2027, 1, 1): "元旦",  # Friday
        date(2027, 2, 5): "春节",  # 除夕
        date(2027, 2, 6): "春节",  # 正月初一
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",  # 正月初三
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }


def test_a_shared_day_names_both_holidays() -> None:
    # 2028: 中秋 falls on 3 October, inside 国庆.
    assert statutory_days(2028)[date(2028, 10, 3)] == "中秋节、国庆节"


def test_every_statutory_day_is_off_in_every_official_year_the_library_covers() -> None:
    covered = [year for year in range(2004, 2027) if library_covers(year)]
    assert covered == list(range(2004, 2027))
    for year in covered:
        for day, name in statutory_days(year).items():
            assert not chinese_calendar.is_workday(day), f"{day} ({name}) is a working day in {year}"


def test_the_2025_rules_add_new_years_eve_and_a_second_labour_day() -> None:
    assert date(2024, 2, 9) not in statutory_days(2024)  # 除夕 2024 was not statutory
    assert date(2025, 1, 28) in statutory_days(2025)  # 除夕 2025
    assert date(2024, 5, 2) not in statutory_days(2024) and date(2025, 5, 2) in statutory_days(2025)


def test_qingming_agrees_with_chinesecalendars_solar_terms() -> None:
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
        assert qingming(year) == next(day for day, name in terms if name == "清明"), year


@pytest.mark.parametrize("year", [FIRST_YEAR - 1, LAST_YEAR + 1])
def test_years_outside_the_range_are_refused(year: int) -> None:
    with pytest.raises(ValueError):
        statutory_days(year)


def test_no_make_up_days_are_guessed() -> None:
    from zoneinfo import ZoneInfo

    from alerts.sla.calendar import WorkCalendar, parse_office_hours

    calendar = WorkCalendar(zone=ZoneInfo("Asia/Shanghai"), office_hours=parse_office_hours("08:30-17:30"))
    days = [date(2027, 1, 1) + timedelta(n) for n in range(365)]
    assert [d for d in days if d.weekday() >= 5 and calendar.is_workday(d)] == []  # every weekend is off
    off_weekdays = [d for d in days if d.weekday() < 5 and not calendar.is_workday(d)]
    assert off_weekdays == [d for d in statutory_days(2027) if d.weekday() < 5]  # and only statutory weekdays
