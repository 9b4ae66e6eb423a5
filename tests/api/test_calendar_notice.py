"""The notice and the holiday years through the API: refused whole, asked before replacing, recomputed."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.factories import make_user

NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"


def test_a_year_that_exists_is_replaced_only_when_confirmed(client: TestClient, login: Login, people: None) -> None:
    make_user("admin", "admin")
    admin = login("admin")
    official = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    same = client.post("/api/calendar/notice", headers=admin, json={"text": official})
    assert same.status_code == 200 and same.json()["from_current"] == [] and same.json()["source"] == "library"
    changed = official.replace("5月9日（周六）上班", "4月26日（周日）上班")
    asked = client.post("/api/calendar/notice", headers=admin, json={"text": changed})
    assert asked.status_code == 409 and asked.json()["code"] == "conflict"
    differences = asked.json()["details"]["differences"]
    assert [d["date"] for d in differences] == ["2026-04-26", "2026-05-09"]
    assert differences[1]["before"] == {"workday": True, "reason": "劳动节调休上班"}
    assert differences[1]["after"] == {"workday": False, "reason": "周末"}
    days = client.get("/api/calendar/days", headers=admin, params={"start": "2026-05-09", "end": "2026-05-09"}).json()
    assert days[0]["workday"] is True  # nothing changed
    replaced = client.post("/api/calendar/notice", headers=admin, json={"text": changed, "replace": True})
    assert replaced.status_code == 200 and replaced.json()["saved"] is True
    days = client.get("/api/calendar/days", headers=admin, params={"start": "2026-04-26", "end": "2026-05-09"}).json()
    assert days[0] == {"date": "2026-04-26", "workday": True, "reason": "劳动节调休上班"}
    assert days[-1]["workday"] is False

    # The day-by-day entry asks the same way.
    year = {"notice": "更正", "days": [{"date": "2026-10-01", "workday": False, "name": "国庆节"}]}
    put = client.put("/api/calendar/years/2026", headers=admin, json=year)
    assert put.status_code == 409 and len(put.json()["details"]["differences"]) > 1
    put = client.put("/api/calendar/years/2026", headers=admin, params={"replace": "true"}, json=year)
    assert put.status_code == 200 and put.json()["source"] == "admin" and put.json()["provisional"] is False


def test_a_broken_notice_names_the_line_and_saves_nothing(client: TestClient, login: Login, people: None) -> None:
    make_user("admin", "admin")
    admin = login("admin")
    text = (NOTICES / "2027-test.txt").read_text(encoding="utf-8")
    for broken, line, reason in [
        (text.replace("现将2027年", "现将2028年"), 6, "正文年份 2028 与标题年份 2027 不一致"),
        (text.replace("五、端午节", "五、龙舟节"), 11, "未知的节日名称「龙舟节」"),
        (text.replace("5月8日（周六）上班", "5月7日（周五）上班"), 10, "调休上班日 5月7日 是周五，不是周末"),
    ]:
        refused = client.post("/api/calendar/notice", headers=admin, json={"text": broken})
        assert refused.status_code == 422, refused.text
        details = refused.json()["details"]
        assert details["line"] == line and reason in details["reason"] and details["words"]
    assert client.get("/api/calendar/years/2027", headers=admin).json()["source"] == "missing"
    empty = client.post("/api/calendar/notice", headers=admin, json={"text": ""})
    assert empty.status_code == 422


def test_a_case_received_outside_the_calendars_years_is_refused(client: TestClient, login: Login, people: None) -> None:
    body = {"title": "申请公开", "content": "请公开。", "category": "conduct", "received_at": "1899-12-31T10:00+08:00"}
    refused = client.post("/api/alerts", headers=login("duty"), json=body)
    assert refused.status_code == 422 and "body/received_at" in refused.json()["message"]
    assert "1900–2099" in refused.json()["detail"][0]["msg"]
