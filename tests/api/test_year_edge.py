"""Cases across the turn of the year, with the clock pinned: raise → deadlines → roster → sweep → figures →
the 2027 notice entered → recomputed deadlines, audit events and notifications.

The holiday library stops at 2026, so until the notice is entered 2027 is on the provisional calendar
(weekends and statutory days only). The notice is the test arrangement in tests/fixtures/notices.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.factories import make_user
from tests.web.helpers import sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE = (Path(__file__).resolve().parents[1] / "fixtures" / "notices" / "2027-test.txt").read_text(encoding="utf-8")
MONDAY_BEFORE_NEW_YEAR = datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)
FIRST_MONDAY = datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)
BEFORE_SPRING_FESTIVAL = datetime(2027, 2, 3, 10, 0, tzinfo=SHANGHAI)


def at(text: str) -> str:
    return f"{text}:00+08:00"


def sweep_now() -> int:
    from alerts.sweep import sweep
    from core.db import session_scope

    with session_scope() as session:
        return sweep(session)


class Office:
    """The API as each person uses it, re-signing in after the clock moved (tokens expire)."""

    def __init__(self, client: TestClient, login: Login) -> None:
        self.client, self.login = client, login

    def open_case(self, **fields: Any) -> dict[str, Any]:
        body = {
            "title": "养殖场粪污直排",
            "content": "村东养殖场粪污直排入河，气味很大。",
            "category": "pollution",
            "severity": "一般",
        }
        created = self.client.post("/api/alerts", headers=self.login("duty"), json={**body, **fields})
        assert created.status_code == 201, created.text
        return dict(created.json())

    def case(self, alert_id: int) -> dict[str, Any]:
        return dict(self.client.get(f"/api/alerts/{alert_id}", headers=self.login("duty")).json())

    def act(self, alert_id: int, who: str, **body: Any) -> dict[str, Any]:
        response = self.client.post(f"/api/alerts/{alert_id}/transitions", headers=self.login(who), json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def weekly(self, start: str, end: str) -> dict[str, dict[str, Any]]:
        params = {"by": "period", "period": "week", "start": start, "end": end}
        report = self.client.get("/api/stats/timeliness", headers=self.login("leader"), params=params).json()
        return {row["key"]: row for row in report["rows"]}


def dues(case: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    return case["ack_due"], case["response_due"], case["close_due"]


def test_a_case_walks_across_the_turn_of_the_year(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    make_user("admin", "admin")
    office = Office(client, login)
    ids = {u["username"]: u["id"] for u in client.get("/api/roster/people", headers=login("admin")).json()}
    sections = {s["code"]: s["id"] for s in client.get("/api/sections", headers=login("admin")).json()}
    with time_machine.travel(MONDAY_BEFORE_NEW_YEAR, tick=False):
        complaint = _before_new_year(client, login, office, ids)
    with time_machine.travel(FIRST_MONDAY, tick=False):
        _first_monday(client, office, complaint)
    with time_machine.travel(BEFORE_SPRING_FESTIVAL, tick=False):
        late_january, today = _before_spring_festival(office, sections)
        _notice_entered(client, login, office, complaint=complaint, late_january=late_january, today=today)


def _before_new_year(client: TestClient, login: Login, office: Office, ids: dict[str, int]) -> dict[str, Any]:
    # Raise: an ordinary complaint and an information request, both reaching into 2027.
    complaint = office.open_case(received_at=at("2026-12-28T10:00"))
    assert dues(complaint) == (at("2026-12-29T17:30"), at("2026-12-31T17:30"), at("2027-01-05T17:30"))
    assert complaint["provisional"] is True and complaint["provisional_deadlines"] == {"close": [2027]}
    request = office.open_case(kind="info_request", title="申请公开补贴名单", category="conduct")
    assert dues(request) == (at("2026-12-29T17:30"), None, at("2027-01-26T17:30"))
    assert request["provisional_deadlines"] == {"close": [2027]}
    sign_in(client, "admin")
    page = client.get(f"/alerts/{complaint['id']}").text
    assert "暂定" not in page.split("签收时限")[1].split("</dd>")[0]
    assert "暂定" in page.split("办结时限")[1].split("</dd>")[0]
    assert "2027年的官方放假安排尚未录入" in page  # the admin's banner names the missing year

    # Roster: January 2027 can be generated today; 元旦 is a holiday shift on the provisional calendar.
    rotation = {"start": "2027-01-01", "days": 31, "user_ids": [ids["duty"]], "holiday_leader_ids": [ids["leader"]]}
    shifts = client.post("/api/roster/rotation", headers=login("admin"), json=rotation)
    assert shifts.status_code == 201, shifts.text
    by_day = {s["starts_at"][:10]: s for s in shifts.json()}
    assert by_day["2027-01-01"]["kind"] == "holiday" and by_day["2027-01-01"]["note"] == "元旦假期（暂定）"
    assert by_day["2027-01-04"]["kind"] == "regular" and len(by_day) == 31

    assert sweep_now() == 0  # nothing due yet
    week = office.weekly("2026-12-28", "2027-01-04")
    assert week["2026-W53"]["alerts"] == 2 and week["2026-W53"]["overdue"] == 0
    return complaint


def _first_monday(client: TestClient, office: Office, complaint: dict[str, Any]) -> None:
    assert sweep_now() > 0  # sign-for and response passed over New Year unmet
    overdue = [e for e in office.case(complaint["id"])["events"] if e["action"] == "overdue"]
    assert {e["data"]["deadline"] for e in overdue} == {"ack", "response"}
    week = office.weekly("2026-12-28", "2027-01-04")
    assert week["2026-W53"]["overdue"] == 2 and week["2026-W53"]["ack_on_time_rate"] == 0.0
    client.cookies.clear()
    sign_in(client, "leader")
    dashboard = client.get("/dashboard").text
    assert "养殖场粪污直排" in dashboard.split('id="overdue"')[1]
    assert office.case(complaint["id"])["provisional"] is True  # close 5 January still provisional


def _before_spring_festival(office: Office, sections: dict[str, int]) -> tuple[dict[str, Any], dict[str, Any]]:
    # Opened on Friday 29 January: provisionally 春节 is 5–8 February only.
    late_january = office.open_case(received_at=at("2027-01-29T10:00"), title="病死猪随意丢弃")
    assert dues(late_january) == (at("2027-02-01T17:30"), at("2027-02-03T17:30"), at("2027-02-09T17:30"))
    office.act(late_january["id"], "duty", action="acknowledge")  # met (late): stays as it was
    office.act(
        late_january["id"],
        "duty",
        action="assign",
        section_id=sections["production"],
        assignee_id=_user_id("production-staff"),
    )
    today = office.open_case(kind="info_request", title="申请公开防疫物资采购合同", category="conduct")
    assert dues(today) == (at("2027-02-04T17:30"), None, at("2027-03-05T17:30"))
    return late_january, today


def _notice_entered(
    client: TestClient,
    login: Login,
    office: Office,
    *,
    complaint: dict[str, Any],
    late_january: dict[str, Any],
    today: dict[str, Any],
) -> None:
    # A broken notice is refused whole and changes nothing.
    admin = login("admin")
    broken = client.post("/api/calendar/notice", headers=admin, json={"text": NOTICE.replace("9月15日", "9月31日")})
    assert broken.status_code == 422 and broken.json()["details"]["line"] == 12
    assert "9月31日 不是有效日期" in broken.json()["detail"]
    assert office.case(late_january["id"])["provisional"] is True
    preview = client.post("/api/calendar/notice", headers=admin, json={"text": NOTICE, "dry_run": True}).json()
    assert preview["saved"] is False and len(preview["from_provisional"]) == 16 and preview["source"] == "missing"
    assert client.post("/api/calendar/notice", headers=login("duty"), json={"text": NOTICE}).status_code == 403

    imported = client.post("/api/calendar/notice", headers=admin, json={"text": NOTICE})
    assert imported.status_code == 200, imported.text
    assert imported.json()["saved"] is True and imported.json()["recomputed"] == 4

    # Recomputed on the notice: the make-up Sunday 31 January counts, 春节 runs to the 12th.
    moved = office.case(late_january["id"])
    assert dues(moved) == (at("2027-02-01T17:30"), at("2027-02-02T17:30"), at("2027-02-04T17:30"))
    assert moved["provisional"] is False and moved["provisional_deadlines"] == {}
    event = [e for e in moved["events"] if e["action"] == "recompute_deadlines"][-1]
    assert event["data"]["deadlines_before"]["close"] == at("2027-02-09T17:30")
    assert event["data"]["deadlines"]["close"] == at("2027-02-04T17:30")
    assert event["data"]["earlier"] == ["response", "close"] and event["data"]["years"] == [2027]
    assert "办结 2027-02-09 17:30 → 2027-02-04 17:30" in event["note"]
    later = office.case(today["id"])
    assert dues(later) == (at("2027-02-04T17:30"), None, at("2027-03-10T17:30"))
    assert office.case(complaint["id"])["close_due"] == at("2027-01-05T17:30")  # same day, now official
    assert office.case(complaint["id"])["provisional"] is False

    # Only the deadline that moved earlier is told to the assignee.
    inbox = client.get("/api/notifications", headers=login("production-staff")).json()["items"]
    told = [item for item in inbox if item["kind"] == "alert.deadline_earlier"]
    assert [item["alert_id"] for item in told] == [late_january["id"]]
    assert "办结 2027-02-09 17:30 → 2027-02-04 17:30" in told[0]["title"]

    # The sweep follows the new deadlines: the response (2 February) is now past.
    assert sweep_now() > 0
    overdue = [e for e in office.case(late_january["id"])["events"] if e["action"] == "overdue"]
    assert {(e["data"]["deadline"], e["data"]["due"]) for e in overdue} >= {("response", at("2027-02-02T17:30"))}

    explained = client.get(
        "/api/sla/explain", headers=admin, params={"severity": "一般", "start": at("2027-01-29T10:00")}
    ).json()
    assert explained["provisional"] is False and explained["ack_due"] == at("2027-01-31T17:30")
    client.cookies.clear()
    sign_in(client, "admin")
    page = client.get(f"/alerts/{late_january['id']}").text
    assert "暂定" not in page.split("签收时限")[1].split("</dl>")[0]
    assert "时限重新计算" in page and "官方放假安排尚未录入" not in page
    monthly = client.get(
        "/api/stats/timeliness",
        headers=login("leader"),
        params={"by": "period", "period": "month", "start": "2026-12-01", "end": "2027-03-01"},
    ).json()
    assert {row["key"]: row["alerts"] for row in monthly["rows"]} == {"2026-12": 2, "2027-01": 1, "2027-02": 1}


def _user_id(username: str) -> int:
    from tests.factories import get_user

    return get_user(username).id
