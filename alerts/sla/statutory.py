"""The provisional calendar: statutory days off of 《全国年节及纪念日放假办法》 for a year with no official notice.

Lunar dates (除夕, 端午, 中秋) and the 清明 solar term come from ``lunar_python`` (寿星 astronomical
algorithms), never from a table typed by hand. Only the statutory days are marked: the State Council's
notice adds make-up working days (调休) and moved days (补假) that nobody can guess, so none are.

The rules changed over time (the 2007, 2013 and 2024 amendments); each year gets the rules in force
then, so the cross-check against the official calendars of past years holds for every year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunar_python import Lunar, Solar

from core.bounds import FIRST_YEAR, LAST_YEAR

HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


def in_range(year: int) -> bool:
    """True when the calendar can compute ``year``."""
    return FIRST_YEAR <= year <= LAST_YEAR


def lunar_to_solar(year: int, month: int, day: int) -> date:
    """The Gregorian date of a lunar date (month 1 = 正月; never a leap month)."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def qingming(year: int) -> date:
    """The day of the 清明 solar term in ``year`` (Beijing time)."""
    solar = Solar.fromYmd(year, 4, 20).getLunar().getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _span(first: date, days: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(days)]


@lru_cache(maxsize=256)
def statutory_days(year: int) -> dict[date, str]:
    """The statutory days off of ``year`` with their holiday's name (a day two holidays share names both)."""
    if not in_range(year):
        raise ValueError(f"year {year} outside {FIRST_YEAR}–{LAST_YEAR}")
    new_year = lunar_to_solar(year, 1, 1)
    eve = new_year - timedelta(days=1)
    days: dict[str, list[date]] = {"元旦": [date(year, 1, 1)]}
    if year >= 2025:  # 2024 amendment: 除夕 added, 劳动节 two days
        days["春节"] = _span(eve, 4)
        days["劳动节"] = _span(date(year, 5, 1), 2)
    elif year >= 2014:  # 2013 amendment: 初一 to 初三
        days["春节"] = _span(new_year, 3)
        days["劳动节"] = [date(year, 5, 1)]
    elif year >= 2008:  # 2007 amendment: 除夕 to 初二; 清明, 端午, 中秋 added
        days["春节"] = _span(eve, 3)
        days["劳动节"] = [date(year, 5, 1)]
    else:  # the 1999 rules
        days["春节"] = _span(new_year, 3)
        days["劳动节"] = _span(date(year, 5, 1), 3)
    if year >= 2008:
        days["清明节"] = [qingming(year)]
        days["端午节"] = [lunar_to_solar(year, 5, 5)]
        days["中秋节"] = [lunar_to_solar(year, 8, 15)]
    days["国庆节"] = _span(date(year, 10, 1), 3)
    named: dict[date, str] = {}
    for name in HOLIDAY_NAMES:
        for day in days.get(name, []):
            named[day] = f"{named[day]}、{name}" if day in named else name
    return dict(sorted(named.items()))


@lru_cache(maxsize=256)
def library_covers(year: int) -> bool:
    """True when the installed holiday library has the official arrangement of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True
