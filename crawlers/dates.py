"""Reading publication times as printed on Chinese pages into aware UTC datetimes.

Absolute dates (``2020年8月20日 09:30``, ``2020-08-20``, ISO 8601, RFC 822, Unix seconds) and the relative
forms Chinese sites print (``刚刚``, ``3小时前``, ``昨天 14:20``, ``今天 09:30``, ``08月20日 14:20``, tieba's
``09:41`` and ``3-16``) are read against a reference time ``now`` (the fetch time by default, pinned in
tests). Zone-less times are in ``zone`` (Asia/Shanghai). Anything else gives None: a date is never guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import parsedate_to_datetime

_SEP_DATE = r"\s*[-/.年]\s*"
_SEP_MONTH = r"\s*[-/.月]\s*"
_TIME = (
    r"(?:\s*(?:T|\s)?\s*(?P<ampm>上午|下午|晚上|凌晨|中午|早上)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:\.\d+)?)?)?"
)
_ZONE = r"(?:\s*(?P<zone>Z|[+-]\d{2}:?\d{2}|GMT|UTC)\b)?"
_ABSOLUTE = re.compile(
    r"(?<!\d)(?P<y>\d{4})" + _SEP_DATE + r"(?P<m>\d{1,2})" + _SEP_MONTH + r"(?P<d>\d{1,2})(?!\d)\s*日?" + _TIME + _ZONE
)
_YEAR_MONTH_ONLY = re.compile(r"^\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*月?\s*$")
_MONTH_DAY = re.compile(r"(?<![\d-])(?P<m>\d{1,2})\s*(?:月|-|/)\s*(?P<d>\d{1,2})(?!\d)\s*日?" + _TIME)
_TIME_ONLY = re.compile(
    r"^\s*(?P<ampm>上午|下午|晚上|凌晨|中午|早上)?\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?\s*$"
)
_AGO = re.compile(r"(?P<n>\d+|半|一|两|几)\s*(?P<unit>秒|分钟|分|小时|个小时|天|日|周|星期)\s*(?:钟)?\s*前")
_DAY_WORD = re.compile(r"(?P<word>今天|今日|昨天|昨日|前天)\s*" + _TIME)
_JUST_NOW = re.compile(r"^\s*(?:刚刚|刚才|just now)\s*$|(?<!\S)刚刚(?!\S)")
_UNIX = re.compile(r"^\s*(?P<s>\d{10})(?P<ms>\d{3})?\s*$")

_UNIT_SECONDS = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "个小时": 3600, "天": 86400, "日": 86400}
_UNIT_SECONDS |= {"周": 7 * 86400, "星期": 7 * 86400}
_DAY_OFFSET = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
# A page clock a few minutes ahead of ours is normal; anything further in the future is not believable.
_FUTURE_TOLERANCE = timedelta(minutes=10)


def parse_published(text: str | int | float | None, *, zone: tzinfo, now: datetime | None = None) -> datetime | None:
    """The time written in ``text`` as aware UTC, or None when it cannot be read without guessing."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return _from_unix(float(text))
    text = text.replace("\u3000", " ").replace("\xa0", " ").strip()
    if not text:
        return None
    now_local = (now or datetime.now(UTC)).astimezone(zone)
    for reader in (_read_unix, _read_absolute, _read_rfc822, _read_just_now, _read_ago, _read_day_word):
        found = reader(text, zone, now_local)
        if found is not None:
            return _believable(found, now_local)
    if _YEAR_MONTH_ONLY.match(text):
        return None  # a month is not a date
    for reader in (_read_month_day, _read_time_only):
        found = reader(text, zone, now_local)
        if found is not None:
            return _believable(found, now_local)
    return None


def _believable(found: datetime | None, now_local: datetime) -> datetime | None:
    if found is None or found > now_local + _FUTURE_TOLERANCE:
        return None
    return found.astimezone(UTC)


def _from_unix(seconds: float) -> datetime | None:
    if seconds > 1e12:  # milliseconds
        seconds /= 1000
    if not 0 < seconds < 4e9:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _read_unix(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    match = _UNIX.match(text)
    return _from_unix(float(match["s"])) if match else None


def _clock(match: re.Match[str]) -> time | None:
    if match["H"] is None:
        return time(0, 0)
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    ampm = match["ampm"]
    if (ampm in ("下午", "晚上") and hour < 12) or (ampm == "中午" and hour < 11):
        hour += 12
    elif ampm == "凌晨" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _zone_of(match: re.Match[str], zone: tzinfo) -> tzinfo:
    label = match["zone"]
    if not label:
        return zone
    if label in ("Z", "GMT", "UTC"):
        return UTC
    sign = 1 if label[0] == "+" else -1
    digits = label[1:].replace(":", "")
    from datetime import timezone

    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _read_absolute(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    match = _ABSOLUTE.search(text)
    if not match:
        return None
    clock = _clock(match)
    if clock is None:
        return None
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    return datetime.combine(day, clock, tzinfo=_zone_of(match, zone))


def _read_rfc822(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    if not re.search(r"[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}|\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", text):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _read_just_now(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    return now if _JUST_NOW.search(text) else None


def _read_ago(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    match = _AGO.search(text)
    if not match:
        return None
    amount = {"半": 0.5, "一": 1, "两": 2}.get(match["n"])
    if amount is None:
        if not match["n"].isdigit():
            return None  # "几分钟前": how many is not said
        amount = int(match["n"])
    return now - timedelta(seconds=amount * _UNIT_SECONDS[match["unit"]])


def _read_day_word(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    match = _DAY_WORD.search(text)
    if not match:
        return None
    clock = _clock(match)
    if clock is None:
        return None
    day = now.date() - timedelta(days=_DAY_OFFSET[match["word"]])
    return datetime.combine(day, clock, tzinfo=zone)


def _read_month_day(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    """``03月10日 19:20``, ``03-08``, ``3-16``: the current year, or the previous one if that is the future."""
    match = _MONTH_DAY.search(text)
    if not match:
        return None
    clock = _clock(match)
    if clock is None:
        return None
    month, day_of_month = int(match["m"]), int(match["d"])
    for year in (now.year, now.year - 1):
        try:
            candidate = datetime.combine(date(year, month, day_of_month), clock, tzinfo=zone)
        except ValueError:
            return None
        if candidate <= now + _FUTURE_TOLERANCE:
            return candidate
    return None


def _read_time_only(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    """``09:41`` as lists show today's posts."""
    match = _TIME_ONLY.match(text)
    if not match:
        return None
    clock = _clock(match)
    if clock is None:
        return None
    return datetime.combine(now.date(), clock, tzinfo=zone)
