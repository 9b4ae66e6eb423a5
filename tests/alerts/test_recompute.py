"""Recomputing provisional deadlines: a newer holiday library found by the sweep, a year entered or removed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from chinese_calendar import constants

from alerts.cases.models import Alert
from alerts.sla.notice import parse_notice
from alerts.sla.statutory import library_covers
from core.db import session_scope
from tests.factories import get_alert, make_alert, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE = (Path(__file__).resolve().parents[1] / "fixtures" / "notices" / "2027-test.txt").read_text(encoding="utf-8")
HOLIDAYS = {
    "元旦": chinese_calendar.Holiday.new_years_day,
    "春节": chinese_calendar.Holiday.spring_festival,
    "清明节": chinese_calendar.Holiday.tomb_sweeping_day,
    "劳动节": chinese_calendar.Holiday.labour_day,
    "端午节": chinese_calendar.Holiday.dragon_boat_festival,
    "中秋节": chinese_calendar.Holiday.mid_autumn_festival,
    "国庆节": chinese_calendar.Holiday.national_day,
}


@pytest.fixture
def newer_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The holiday library as a release that covers 2027 (the test arrangement) would be: its own data tables."""
    for day in parse_notice(NOTICE).days:
        holiday = HOLIDAYS[day.name.split("、")[0]].value
        monkeypatch.setitem(constants.workdays if day.workday else constants.holidays, day.day, holiday)
    library_covers.cache_clear()
    yield
    monkeypatch.undo()
    library_covers.cache_clear()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@time_machine.travel(at("2027-01-29 10:00"), tick=False)
@pytest.mark.usefixtures("seeded")
def test_the_sweep_recomputes_once_a_newer_library_covers_the_year(db: str, request: pytest.FixtureRequest) -> None:
    from alerts.sweep import sweep

    alert_id = make_alert(severity="一般")
    before = get_alert(alert_id)
    assert before.close_due == at("2027-02-09 17:30") and before.provisional_deadlines == {
        "ack": [2027],
        "response": [2027],
        "close": [2027],
    }
    with session_scope() as session:
        sweep(session)
    assert get_alert(alert_id).close_due == at("2027-02-09 17:30")  # the same library: nothing to do

    request.getfixturevalue("newer_library")
    assert library_covers(2027) and not chinese_calendar.is_workday(date(2027, 2, 10))
    with session_scope() as session:
        sweep(session)
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert (alert.ack_due, alert.response_due, alert.close_due) == (
            at("2027-01-31 17:30"),
            at("2027-02-02 17:30"),
            at("2027-02-04 17:30"),
        )
        assert alert.provisional is False and alert.provisional_deadlines == {}
        recomputed = [e for e in alert.events if e.action == "recompute_deadlines"]
        assert len(recomputed) == 1 and recomputed[0].data["years"] == [2027]
        assert recomputed[0].data["earlier"] == ["ack", "response", "close"]
        sweep(session)
        assert len([e for e in alert.events if e.action == "recompute_deadlines"]) == 1  # once


@time_machine.travel(at("2026-12-28 10:00"), tick=False)
@pytest.mark.usefixtures("seeded")
def test_entering_and_removing_a_year_recomputes_open_cases(db: str) -> None:
    from alerts.cases.lifecycle import Status
    from alerts.sla.holidays import delete_year, import_notice

    make_user("admin", "admin")
    open_id = make_alert(severity="依申请公开", category="conduct")
    closed_id = make_alert(severity="依申请公开", category="conduct", title="另一件申请")
    with session_scope() as session:
        closed = session.get(Alert, closed_id)
        assert closed is not None
        closed.status, closed.closed_at = Status.closed.value, closed.opened_at + timedelta(hours=1)
    assert get_alert(open_id).close_due == at("2027-01-26 17:30")

    changed = NOTICE.replace(
        "一、元旦：1月1日（周五）至3日（周日）放假，共3天。", "一、元旦：1月1日（周五）至4日（周一）放假，共4天。"
    )
    with session_scope() as session:
        result = import_notice(session, text=changed, user=None)
        assert result.recomputed == 1  # the closed case stays as it was
    assert get_alert(open_id).close_due == at("2027-01-27 17:30") and get_alert(open_id).provisional is False
    assert get_alert(closed_id).close_due == at("2027-01-26 17:30")

    with session_scope() as session:
        delete_year(session, year=2027)
    again = get_alert(open_id)
    assert again.close_due == at("2027-01-26 17:30") and again.provisional_deadlines == {"close": [2027]}
