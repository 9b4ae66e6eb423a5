"""Read 国务院办公厅关于YYYY年部分节假日安排的通知 as the State Council publishes it.

The year comes from the title or the paragraph before the numbered lines ("现将2027年元旦、春节…"); each
numbered line ("二、春节：…") gives days off ("1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，
共8天", "1月1日（周三）放假1天，不调休") and make-up working days ("1月26日（周日）、2月8日（周六）上班").
Everything is checked (the weekday and lunar notes in brackets against the date, the day counts, make-up
days on weekends); a text that cannot be read completely is refused whole, naming the line, its words
and the reason, so nothing half-read is ever saved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from lunar_python import Solar

from alerts.sla.statutory import HOLIDAY_NAMES, in_range
from core.errors import InvalidInput

NUMERALS = "一二三四五六七八九十"
WEEKDAY_NAMES = "一二三四五六日"
LUNAR_MONTHS = {"正": 1, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
LUNAR_MONTHS.update({"十一": 11, "冬": 11, "十二": 12, "腊": 12})
LUNAR_TENS = {"初": 0, "十": 10, "二十": 20, "廿": 20, "三十": 30}
LUNAR_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
MAX_BREAK_DAYS = 15
SHOWN = str.maketrans("(),:;", "（），：；")

TITLE = re.compile(r"国务院办公厅关于(\d{4})年部分节假日安排的通知")
BODY_YEAR = re.compile(r"现将(\d{4})年")
ITEM = re.compile(rf"^([{NUMERALS}]+)[、.]\s*([^:]+?)\s*:\s*(.*)$")
SIGNATURE_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
ANY_DATE = re.compile(r"\d{1,2}月\d{1,2}日")
DATE = r"(?:(?P<{p}y>\d{{4}})年)?(?P<{p}m>\d{{1,2}})月(?P<{p}d>\d{{1,2}})日(?:\((?P<{p}n>[^()]*)\))?"
END = r"(?:(?:(?P<{p}y>\d{{4}})年)?(?P<{p}m>\d{{1,2}})月)?(?P<{p}d>\d{{1,2}})日(?:\((?P<{p}n>[^()]*)\))?"
OFF = re.compile("^" + DATE.format(p="a") + "(?:至" + END.format(p="b") + r")?放假(?:调休)?(?:(?P<count>\d+)天)?$")
ONE_DATE = re.compile(DATE.format(p="x"))
LUNAR_DATE = re.compile(rf"(闰?)(正|冬|腊|十一|十二|[{NUMERALS}])月(初|十|二十|廿|三十)([{NUMERALS}]?)")
EXTRAS = re.compile(r"^(?:共(?P<count>\d+)天|不调休|与周末连休)$")


class NoticeError(InvalidInput):
    """A notice refused whole: ``details`` has the line number, its words and the reason."""


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _shown(fragment: str) -> str:
    """A fragment of the normalised text as the notice writes it (full-width brackets and commas)."""
    return fragment.translate(SHOWN)


def _refuse(line: int, words: str, reason: str) -> NoticeError:
    return NoticeError(
        f"第 {line} 行「{words}」：{reason}；整份通知未导入",
        details={"field": "text", "line": line, "words": words, "reason": reason},
    )


@dataclass(frozen=True, slots=True)
class NoticeDay:
    """One day the notice sets: off (a holiday) or worked (a make-up day), from which numbered line."""

    day: date
    workday: bool
    name: str
    line: int


@dataclass(slots=True)
class Notice:
    """What a notice says: its year, title, and every day off and make-up working day."""

    year: int
    title: str
    days: list[NoticeDay] = field(default_factory=list)

    def as_days(self) -> list[dict[str, object]]:
        """The days as a holiday year stores them."""
        return [{"date": d.day.isoformat(), "workday": d.workday, "name": d.name} for d in self.days]

    def status(self, day: date) -> tuple[bool, str]:
        """(working day, why) of ``day`` under this notice."""
        for entry in self.days:
            if entry.day == day:
                weekend = day.weekday() >= 5
                if entry.workday:
                    return True, f"{entry.name}调休上班"
                return False, f"{entry.name}假期{'（周末）' if weekend else ''}"
        weekend = day.weekday() >= 5
        return not weekend, "周末" if weekend else "工作日"


def _normalise(line: str) -> str:
    """Full-width brackets, colons, commas and digits as ASCII; spaces dropped (a pasted text varies)."""
    text = unicodedata.normalize("NFKC", line)
    text = text.replace("〔", "[").replace("〕", "]").replace("，", ",").replace("；", ";")
    return re.sub(r"\s+", "", text)


def parse_notice(text: str) -> Notice:
    """Read a notice as published; any line it cannot read completely refuses the whole text."""
    title_year: tuple[int, int] | None = None
    body_year: tuple[int, int] | None = None
    title = ""
    items: list[tuple[int, str, str, str]] = []  # (line, numeral, names, body)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _normalise(raw)
        if not line:
            continue
        item = ITEM.match(line)
        if item is not None and not items and body_year is None and title_year is None:
            raise _refuse(number, raw.strip(), "编号条目之前未找到年份（标题或“现将YYYY年…”一段）")
        if item is not None:
            items.append((number, item[1], item[2], item[3]))
            continue
        if items and ANY_DATE.search(line) and not SIGNATURE_DATE.match(line):
            # A numbered line wrapped by the paste: its dates belong to the line above.
            first, numeral, names, body = items[-1]
            items[-1] = (first, numeral, names, body + line)
            continue
        if not items:
            found = TITLE.search(line)
            if found is not None and title_year is None:
                title_year, title = (int(found[1]), number), f"国务院办公厅关于{found[1]}年部分节假日安排的通知"
            found = BODY_YEAR.search(line)
            if found is not None and body_year is None:
                body_year = (int(found[1]), number)
    year = _year(title_year, body_year)
    if not items:
        raise _refuse(
            1, text.strip().splitlines()[0][:40] if text.strip() else "", "未找到编号的放假条目（如“一、元旦：…”）"
        )
    notice = Notice(year=year, title=title or f"国务院办公厅关于{year}年部分节假日安排的通知")
    lines = text.splitlines()
    for position, (number, numeral, names, body) in enumerate(items, start=1):
        words = lines[number - 1].strip()
        if numeral != _numeral(position):
            raise _refuse(number, words, f"条目序号应为「{_numeral(position)}」，却是「{numeral}」（是否漏了一条？）")
        notice.days.extend(_item_days(year, number, words, names, body))
    _check_overlaps(notice, lines)
    notice.days.sort(key=lambda d: d.day)
    return notice


def _year(title_year: tuple[int, int] | None, body_year: tuple[int, int] | None) -> int:
    if title_year is None and body_year is None:
        raise _refuse(1, "", "未找到年份：标题应为“国务院办公厅关于YYYY年部分节假日安排的通知”，或正文有“现将YYYY年…”")
    if title_year is not None and body_year is not None and title_year[0] != body_year[0]:
        raise _refuse(
            body_year[1], f"现将{body_year[0]}年", f"正文年份 {body_year[0]} 与标题年份 {title_year[0]} 不一致"
        )
    year, number = title_year if title_year is not None else body_year  # type: ignore[misc]
    if not in_range(year):
        raise _refuse(number, f"{year}年", "年份超出工作日日历可计算的范围")
    return year


def _numeral(position: int) -> str:
    if position <= 10:
        return NUMERALS[position - 1]
    tens, ones = divmod(position, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


def _split(text: str, marks: str) -> list[str]:
    """``text`` split at any of ``marks`` outside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char in marks and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part]


def _item_days(year: int, number: int, words: str, names_text: str, body: str) -> list[NoticeDay]:
    names = names_text.split("、")
    unknown = [name for name in names if name not in HOLIDAY_NAMES]
    if unknown:
        raise _refuse(number, words, f"未知的节日名称「{'、'.join(unknown)}」，应为 {'、'.join(HOLIDAY_NAMES)}")
    name = "、".join(names)
    days: list[NoticeDay] = []
    for sentence in _split(body, "。"):
        if sentence.startswith("鼓励"):  # an encouragement (e.g. to rest on 除夕), not an arrangement
            continue
        clause, *extras = _split(sentence, ",;")
        if clause.endswith("上班"):
            days.extend(_make_up_days(year, number, words, name, clause, extras))
        elif "放假" in clause:
            days.extend(_days_off(year, number, words, name, clause, extras))
        else:
            raise _refuse(number, words, f"无法识别「{_shown(sentence)}」（应为“……放假”或“……上班”）")
    if not any(not d.workday for d in days):
        raise _refuse(number, words, "未找到放假日期")
    return days


def _days_off(year: int, number: int, words: str, name: str, clause: str, extras: list[str]) -> list[NoticeDay]:
    found = OFF.match(clause)
    if found is None:
        raise _refuse(number, words, f"无法识别放假日期「{_shown(clause)}」")
    # A break may start in the year before (元旦 2023: 2022年12月31日至2023年1月2日); only its days in the
    # notice's year are the notice's to set.
    first = _date(year, number, words, found["ay"], found["am"], found["ad"], found["an"], adjacent=True)
    last = first
    if found["bd"] is not None:
        month = found["bm"] or str(first.month)
        end_year = found["by"] or (str(first.year) if found["bm"] is None else None)
        last = _date(year, number, words, end_year, month, found["bd"], found["bn"], adjacent=True)
    if last < first or (last - first).days >= MAX_BREAK_DAYS:
        raise _refuse(number, words, f"放假日期范围无效：{_md(first)}至{_md(last)}")
    total = (last - first).days + 1
    counts = [int(found["count"])] if found["count"] else []
    for extra in extras:
        known = EXTRAS.match(extra)
        if known is None:
            raise _refuse(number, words, f"无法识别「{_shown(extra)}」")
        if known["count"]:
            counts.append(int(known["count"]))
    for count in counts:
        if count != total:
            raise _refuse(number, words, f"写明共 {count} 天，但 {_md(first)}至{_md(last)} 是 {total} 天")
    days = [first + timedelta(days=n) for n in range(total)]
    if not any(day.year == year for day in days):
        raise _refuse(number, words, f"放假日期 {first.isoformat()} 至 {last.isoformat()} 不在通知的 {year} 年内")
    return [NoticeDay(day, False, name, number) for day in days if day.year == year]


def _make_up_days(year: int, number: int, words: str, name: str, clause: str, extras: list[str]) -> list[NoticeDay]:
    if extras:
        raise _refuse(number, words, f"无法识别「{_shown('，'.join(extras))}」")
    dates = clause.removesuffix("上班")
    parts = _split(dates, "、")
    days = []
    for part in parts:
        found = ONE_DATE.fullmatch(part)
        if found is None:
            raise _refuse(number, words, f"无法识别调休上班日期「{_shown(part)}」")
        day = _date(year, number, words, found["xy"], found["xm"], found["xd"], found["xn"])
        if day.weekday() < 5:
            raise _refuse(number, words, f"调休上班日 {_md(day)} 是周{WEEKDAY_NAMES[day.weekday()]}，不是周末")
        days.append(NoticeDay(day, True, name, number))
    return days


def _date(
    year: int, number: int, words: str, y: str | None, m: str, d: str, notes: str | None, *, adjacent: bool = False
) -> date:
    """The date of ``y年m月d日`` (the notice's year when ``y`` is absent), its bracketed notes checked.

    ``adjacent`` lets a break's ends lie in the year before or after; any other date must be in ``year``.
    """
    written = int(y) if y is not None else year
    if written != year and not (adjacent and abs(written - year) == 1):
        raise _refuse(number, words, f"{y}年{m}月{d}日 不在通知的 {year} 年内")
    try:
        day = date(written, int(m), int(d))
    except ValueError:
        raise _refuse(number, words, f"{m}月{d}日 不是有效日期") from None
    for note in _split(notes or "", "、,"):
        _check_note(day, note, number, words)
    return day


def _check_note(day: date, note: str, number: int, words: str) -> None:
    """A bracketed note must agree with the date: ``周三`` / ``星期三`` or a lunar date ``农历正月初七``."""
    weekday = re.fullmatch(r"(?:周|星期)([一二三四五六日天])", note)
    if weekday is not None:
        said = WEEKDAY_NAMES.index(weekday[1].replace("天", "日"))
        if said != day.weekday():
            raise _refuse(
                number,
                words,
                f"{day.month}月{day.day}日 是周{WEEKDAY_NAMES[day.weekday()]}，括号中写的是“{note}”",
            )
        return
    if note.startswith("农历"):
        actual = _lunar_name(day)
        if _lunar_key(note.removeprefix("农历")) != _lunar_key(actual):
            raise _refuse(number, words, f"{day.month}月{day.day}日 是农历{actual}，括号中写的是“{note}”")
        return
    raise _refuse(number, words, f"括号中的「{note}」无法识别（应为星期或农历日期）")


def _lunar_name(day: date) -> str:
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    following = Solar.fromYmd(day.year, day.month, day.day).next(1).getLunar()
    if following.getMonth() == 1 and following.getDay() == 1:
        return "除夕"
    return f"{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"  # a leap month reads 闰六


def _lunar_key(text: str) -> tuple[int, int, bool] | str:
    """``正月初七`` / ``一月初七`` / ``腊月廿八`` → (month, day, leap); ``除夕`` stays itself."""
    if text == "除夕":
        return text
    found = re.fullmatch(
        r"(闰?)(正|冬|腊|十一|十二|[一二三四五六七八九十])月(初|十|二十|廿|三十)([一二三四五六七八九十]?)", text
    )
    if found is None:
        return text
    tens, digit = found[3], found[4]
    if tens in ("十", "二十", "三十") and not digit:
        value = LUNAR_TENS[tens]  # 初十 is written 初十, 二十 and 三十 alone
    elif tens == "初" and digit == "十":
        value = 10
    else:
        value = LUNAR_TENS[tens] + LUNAR_DIGITS.get(digit, 0)
    return LUNAR_MONTHS[found[2]], value, bool(found[1])


def _check_overlaps(notice: Notice, lines: list[str]) -> None:
    seen: dict[date, NoticeDay] = {}
    for entry in notice.days:
        earlier = seen.get(entry.day)
        if earlier is not None:
            raise _refuse(
                entry.line,
                lines[entry.line - 1].strip(),
                f"{entry.day.month}月{entry.day.day}日 已在第 {earlier.line} 行出现",
            )
        seen[entry.day] = entry
