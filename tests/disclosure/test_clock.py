"""A request to correct (补正) stops the 20-working-day clock; the correction's receipt starts it again.

2025 National Day: 1–8 October off; Sunday 28 September and Saturday 11 October are make-up working days.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from alerts.cases.models import AlertEvent
from alerts.sla.deadlines import recompute_deadlines
from alerts.sweep import sweep
from core.db import session_scope
from tests.disclosure.conftest import Desk, local


def test_a_correction_stops_the_clock_across_the_national_day_holiday(desk: Callable[[str, str], Desk]) -> None:
    office = desk("office-head", "2025-09-26 10:30")
    entry = office.call(
        "POST",
        "/api/disclosure/requests",
        201,
        json={
            "applicant_type": "自然人",
            "applicant_name": "李某",
            "received_via": "网络",
            "received_at": "2025-09-26T10:00:00+08:00",
            "information": "请公开本区2025年生猪调出大县奖励资金的分配结果",
        },
    )
    assert entry["status"] == "open" and entry["case"] is not None
    # Counted by hand from Friday 26 September: 28 Sep (make-up) 1, 29 Sep 2, 30 Sep 3, 1–8 Oct skipped,
    # 9 Oct 4, 10 Oct 5, 11 Oct (make-up) 6, 13–17 Oct 7–11, 20–24 Oct 12–16, 27–30 Oct 17–20.
    assert entry["due_at"] == "2025-10-30T17:30:00+08:00"
    assert entry["case"]["close_due"] == "2025-10-30T17:30:00+08:00"

    paused = office.at("2025-09-28 11:00").call(
        "POST",
        f"/api/disclosure/requests/{entry['id']}/steps",
        json={"step": "correction_requested", "note": "请写明文件名称"},
    )
    assert paused["status"] == "paused" and paused["due_at"] is None
    assert paused["case"]["close_due"] is None  # the case's clock stops too
    # Entering a year's arrangement recomputes open cases; a stopped clock stays stopped.
    with session_scope() as session:
        recompute_deadlines(session, years=[2025])
    still = office.call("GET", f"/api/alerts/{entry['case']['id']}")
    assert still["close_due"] is None and still["response_due"] is None

    # While the applicant takes their time the close deadline is not running: the sweep past the old deadline
    # reminds nobody of it (the sign-for deadline, never met here, is another matter).
    with session_scope() as session:
        sweep(session, now=local("2025-10-31 09:00"))
        stages = session.scalars(
            select(AlertEvent).where(
                AlertEvent.alert_id == entry["case"]["id"], AlertEvent.action.in_(["remind", "due", "overdue"])
            )
        ).all()
        assert [e.action for e in stages if e.data.get("deadline") == "close"] == []

    resumed = office.at("2025-10-09 09:00").call(
        "POST", f"/api/disclosure/requests/{entry['id']}/steps", json={"step": "correction_received"}
    )
    # From Thursday 9 October (not counted): 10 Oct 1, 11 Oct (make-up) 2, 13–17 Oct 3–7, 20–24 Oct 8–12,
    # 27–31 Oct 13–17, 3 Nov 18, 4 Nov 19, 5 Nov 20.
    assert resumed["status"] == "open"
    assert resumed["due_at"] == "2025-11-05T17:30:00+08:00"
    assert resumed["case"]["close_due"] == "2025-11-05T17:30:00+08:00"

    answered = office.at("2025-11-04 15:00").call(
        "POST",
        f"/api/disclosure/requests/{entry['id']}/steps",
        json={"step": "answer", "outcome": "予以公开", "note": "已邮寄分配结果"},
    )
    assert answered["status"] == "answered" and answered["on_time"] is True
    case = office.call("GET", f"/api/alerts/{entry['case']['id']}")
    steps = [e["action"] for e in case["events"] if e["action"].startswith("disclosure_")]
    assert steps == ["disclosure_correction_requested", "disclosure_correction_received", "disclosure_answer"]
