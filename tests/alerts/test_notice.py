"""Reading the State Council's holiday notice as published: the real 2025 and 2026 texts, and what is refused."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from alerts.sla.notice import NoticeError, parse_notice

NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"


def notice_text(name: str) -> str:
    return (NOTICES / name).read_text(encoding="utf-8")


def days_of(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_real_notices_give_exactly_the_librarys_days(year: int) -> None:
    notice = parse_notice(notice_text(f"{year}.txt"))
    assert notice.year == year and notice.title == f"国务院办公厅关于{year}年部分节假日安排的通知"
    off = {d.day for d in notice.days if not d.workday}
    worked = {d.day for d in notice.days if d.workday}
    assert off == {day for day in chinese_calendar.holidays if day.year == year}
    assert worked == {day for day in chinese_calendar.workdays if day.year == year and day.weekday() >= 5}
    assert [day for day in days_of(year) if notice.status(day)[0] != chinese_calendar.is_workday(day)] == []


def test_names_and_lines_of_the_2025_notice() -> None:
    notice = parse_notice(notice_text("2025.txt"))
    by_day = {d.day: d for d in notice.days}
    assert by_day[date(2025, 1, 28)].name == "春节" and not by_day[date(2025, 1, 28)].workday
    assert by_day[date(2025, 1, 26)].workday and by_day[date(2025, 1, 26)].name == "春节"
    # 国庆节、中秋节 combined on one line; the range crosses no month but 端午 does (5月31日至6月2日).
    assert by_day[date(2025, 10, 8)].name == "国庆节、中秋节"
    assert {date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2)} <= {d.day for d in notice.days if not d.workday}
    assert notice.status(date(2025, 10, 11)) == (True, "国庆节、中秋节调休上班")


def test_the_test_arrangement_for_2027() -> None:
    text = notice_text("2027-test.txt")
    assert "测试" in text.splitlines()[0]  # says it is not an official notice
    notice = parse_notice(text)
    assert notice.year == 2027
    assert [d.day for d in notice.days if d.workday] == [
        date(2027, 1, 31),
        date(2027, 2, 20),
        date(2027, 5, 8),
        date(2027, 9, 26),
        date(2027, 10, 9),
    ]
    off = {d.day for d in notice.days if not d.workday}
    assert {date(2027, 2, 5) + timedelta(n) for n in range(8)} <= off and date(2027, 6, 9) in off


def test_a_text_pasted_from_a_web_page_reads_the_same() -> None:
    # Half-width punctuation, no indentation, a numbered line wrapped in two, the news agency's lead line.
    official = parse_notice(notice_text("2026.txt"))
    pasted = (
        notice_text("2026.txt")
        .replace("（", "(")
        .replace("）", ")")
        .replace("：", ":")
        .replace("，", ",")
        .replace("　", "")
        .replace("2月14日（周六）、2月28日（周六）上班。", "\n2月14日(周六)、2月28日(周六)上班。")
    )
    pasted = "新华社北京11月4日电 国务院办公厅关于2026年部分节假日安排的通知，全文如下：\n" + pasted
    read = [(d.day, d.workday, d.name) for d in parse_notice(pasted).days]
    assert read == [(d.day, d.workday, d.name) for d in official.days]


def test_older_wording_is_read() -> None:
    text = (
        "国务院办公厅关于2024年部分节假日安排的通知\n"
        "一、元旦：1月1日放假，与周末连休。\n"
        "二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。"
        "鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。\n"
    )
    notice = parse_notice(text)
    assert [d.day for d in notice.days if d.workday] == [date(2024, 2, 4), date(2024, 2, 18)]
    assert date(2024, 2, 9) not in {d.day for d in notice.days}  # an encouragement, not a day off
    assert len([d for d in notice.days if not d.workday]) == 9


def test_a_break_that_starts_in_the_year_before() -> None:
    text = (
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
        "二、春节：1月21日至27日放假调休，共7天。1月28日（周六）、1月29日（周日）上班。\n"
    )
    notice = parse_notice(text)
    off = [d.day for d in notice.days if not d.workday]
    assert off[:2] == [date(2023, 1, 1), date(2023, 1, 2)] and date(2022, 12, 31) not in off
    assert all(chinese_calendar.is_holiday(day) for day in off)
    assert all(chinese_calendar.is_workday(d.day) for d in notice.days if d.workday)


GOOD = "国务院办公厅关于2027年部分节假日安排的通知\n现将2027年元旦、春节放假调休日期的具体安排通知如下。\n"


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("一、元旦：1月1日（周五）放假1天。\n二、春节：2月30日（周二）放假1天。", 4, "2月30日 不是有效日期"),
        ("一、元旦：1月1日（周四）放假1天。", 3, "1月1日 是周五，括号中写的是“周四”"),
        ("一、元旦节：1月1日（周五）放假1天。", 3, "未知的节日名称「元旦节」"),
        ("一、国庆节、重阳节：10月1日（周五）放假1天。", 3, "未知的节日名称「重阳节」"),
        ("一、元旦：1月1日（周五）放假1天。1月4日（周一）上班。", 3, "调休上班日 1月4日 是周一，不是周末"),
        ("一、元旦：1月1日（周五）至3日（周日）放假，共4天。", 3, "写明共 4 天"),
        ("一、春节：2月5日（农历正月初一、周五）放假1天。", 3, "是农历除夕，括号中写的是“农历正月初一”"),
        ("一、元旦：1月1日（周五、晴）放假1天。", 3, "括号中的「晴」无法识别"),
        ("一、元旦：1月1日（周五）放假1天。\n三、春节：2月5日（周五）放假1天。", 4, "条目序号应为「二」"),
        ("一、元旦：2026年12月31日（周四）放假1天。", 3, "不在通知的 2027 年内"),
        ("一、元旦：1月1日（周五）休息一下。", 3, "无法识别「1月1日（周五）休息一下」"),
        ("一、元旦：1月1日（周五）放假1天。\n二、春节：1月1日（周五）放假1天。", 4, "1月1日 已在第 3 行出现"),
        ("一、元旦：不放假。", 3, "无法识别"),
    ],
)
def test_a_notice_it_cannot_read_is_refused_whole(body: str, line: int, reason: str) -> None:
    text = GOOD + body
    with pytest.raises(NoticeError) as refused:
        parse_notice(text)
    error = refused.value
    assert error.details["line"] == line, error.message
    assert reason in error.details["reason"] or reason in error.message, error.message
    assert error.details["words"] == text.splitlines()[line - 1].strip()
    assert f"第 {line} 行" in error.message and "整份通知未导入" in error.message


def test_a_year_that_disagrees_between_title_and_body_is_refused() -> None:
    text = notice_text("2026.txt").replace("现将2026年", "现将2027年")
    with pytest.raises(NoticeError, match="正文年份 2027 与标题年份 2026 不一致") as refused:
        parse_notice(text)
    assert refused.value.details["line"] == 4


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("一、元旦：1月1日（周五）放假1天。", "编号条目之前未找到年份"),
        ("关于放假的一些想法", "未找到年份"),
        ("国务院办公厅关于2027年部分节假日安排的通知\n各部门：", "未找到编号的放假条目"),
        ("国务院办公厅关于2150年部分节假日安排的通知\n一、元旦：1月1日放假。", "年份超出"),
    ],
)
def test_a_text_that_is_not_a_notice_is_refused(text: str, reason: str) -> None:
    with pytest.raises(NoticeError, match=reason):
        parse_notice(text)
