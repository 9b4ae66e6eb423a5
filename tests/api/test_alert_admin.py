"""What the admin and duty pages use: roster, routing rules and "try a text", SLA policies, holiday years."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from core.timeutil import utcnow
from tests.conftest import Login
from tests.factories import make_alert, make_user


def test_roster_shifts_now_and_handover(client: TestClient, login: Login, people: None) -> None:
    make_user("admin", "admin")
    make_user("duty2", "duty")
    admin, duty = login("admin"), login("duty")
    staff_people = client.get("/api/roster/people", headers=duty).json()
    ids = {p["username"]: p["id"] for p in staff_people}
    assert "production-staff" not in ids
    now = utcnow()
    body = {
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=7)).isoformat(),
        "user_id": ids["duty"],
        "backup_user_id": ids["duty2"],
    }
    assert client.post("/api/roster/shifts", headers=duty, json=body).status_code == 403
    created = client.post("/api/roster/shifts", headers=admin, json=body)
    assert created.status_code == 201, created.text
    shift = created.json()
    assert shift["user"]["username"] == "duty" and shift["starts_at"].endswith("+08:00")
    current = client.get("/api/roster/now", headers=login("production-staff")).json()
    assert current["user"]["username"] == "duty" and current["backup"]["username"] == "duty2"
    alert_id = make_alert()
    assert client.get(f"/api/alerts/{alert_id}", headers=duty).json()["duty_user_id"] == ids["duty"]
    listed = client.get("/api/roster/shifts", headers=duty).json()
    assert [s["id"] for s in listed] == [shift["id"]]
    bad = client.put(f"/api/roster/shifts/{shift['id']}", headers=admin, json={**body, "ends_at": body["starts_at"]})
    assert bad.status_code == 422 and bad.json()["details"] == {"field": "ends_at"}
    handover = client.post(
        "/api/roster/handovers", headers=duty, json={"note": "一起污染投诉待转办", "to_user_id": ids["duty2"]}
    )
    assert handover.status_code == 201 and handover.json()["open_alert_ids"] == [alert_id]
    received = client.post(f"/api/roster/handovers/{handover.json()['id']}/receive", headers=login("duty2"))
    assert received.status_code == 200 and received.json()["received_at"] is not None
    assert client.delete(f"/api/roster/shifts/{shift['id']}", headers=admin).status_code == 204
    rotation = client.post(
        "/api/roster/rotation",
        headers=admin,
        json={
            "start": "2025-10-01",
            "days": 3,
            "user_ids": [ids["duty"], ids["duty2"]],
            "holiday_leader_ids": [ids["leader"]],
        },
    )
    assert rotation.status_code == 201
    assert [s["kind"] for s in rotation.json()] == ["holiday"] * 3
    assert rotation.json()[0]["leader"]["username"] == "leader"


def test_routing_rules_crud_and_try_a_text(client: TestClient, login: Login, people: None) -> None:
    make_user("admin", "admin")
    admin, duty = login("admin"), login("duty")
    sections = {s["code"]: s["id"] for s in client.get("/api/sections", headers=duty).json()}
    rules = client.get("/api/routing/rules", headers=duty).json()
    assert rules[0]["name"] == "依申请公开"
    rule = {
        "name": "柳河镇养殖污染",
        "priority": 50,
        "match": {"categories": ["pollution"], "towns": ["柳河镇"]},
        "section_id": sections["vetstation"],
        "co_section_ids": [sections["production"]],
    }
    assert client.post("/api/routing/rules", headers=duty, json=rule).status_code == 403
    created = client.post("/api/routing/rules", headers=admin, json=rule)
    assert created.status_code == 201, created.text
    assert client.post("/api/routing/rules", headers=admin, json=rule).status_code == 409
    bad = client.post("/api/routing/rules", headers=admin, json={**rule, "name": "x", "match": {"colour": ["red"]}})
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "match.colour"
    tried = client.post(
        "/api/routing/try",
        headers=duty,
        json={"text": "前进村的养猪场粪水直排河沟，臭气熏天", "category": "pollution", "severity": "一般"},
    ).json()
    # 前进村 lies in 柳河镇, so the town rule wins over the category rule.
    assert tried["section"]["code"] == "vetstation" and tried["rule_id"] == created.json()["id"]
    assert "属地为「柳河镇」" in tried["reason"] and [s["code"] for s in tried["co_sections"]] == ["production"]
    assert any(t["name"] == "养殖污染" and t["matched"] for t in tried["rules"])
    assert set(tried["deadlines"]) == {"ack_due", "response_due", "close_due"}
    elsewhere = client.post(
        "/api/routing/try", headers=duty, json={"text": "白沙镇养猪场臭气", "category": "pollution", "severity": "一般"}
    ).json()
    assert elsewhere["section"]["code"] == "production"
    rule_id = created.json()["id"]
    changed = client.put(f"/api/routing/rules/{rule_id}", headers=admin, json={**rule, "enabled": False})
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert client.delete(f"/api/routing/rules/{rule_id}", headers=admin).status_code == 204
    assert client.get(f"/api/routing/rules/{rule_id}", headers=duty).status_code == 404


def test_try_a_text_classifies_when_no_category_is_given(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    tried = client.post("/api/routing/try", headers=login("duty"), json={"text": "小区旁边有人私自屠宰生猪，没有检疫"})
    assert tried.status_code == 200 and tried.json()["classified"] is True
    assert tried.json()["category"] in {c for c in ("slaughter", "product_safety", "pollution", "epidemic", "other")}


def test_sla_policies_explain_and_holiday_years(client: TestClient, login: Login, people: None) -> None:
    make_user("admin", "admin")
    admin, duty = login("admin"), login("duty")
    policies = {p["name"]: p for p in client.get("/api/sla/policies", headers=duty).json()}
    assert policies["较大"]["sign_off_required"] is True and policies["重大"]["extension_approver"] == "leader"
    assert policies["依申请公开"]["limits"]["extension"] == {"amount": 20, "unit": "working_days"}
    explained = client.get(
        "/api/sla/explain", headers=duty, params={"severity": "一般", "start": "2025-09-30T16:00+08:00"}
    ).json()
    assert explained["ack_due"] == "2025-10-09T17:30:00+08:00" and explained["close_due"] == "2025-10-14T17:30:00+08:00"
    close = explained["deadlines"][-1]
    assert {"date": "2025-10-11", "workday": True, "reason": "计入：国庆节调休上班"} in close["notes"]
    # A policy for one source kind overrides the general one.
    hotline: dict[str, Any] = {
        "name": "热线一般件",
        "severity": "一般",
        "source_kind": "hotline",
        "limits": {"ack": {"amount": 2, "unit": "working_hours"}, "close": {"amount": 3, "unit": "working_days"}},
    }
    created = client.post("/api/sla/policies", headers=admin, json=hotline)
    assert created.status_code == 201, created.text
    explained = client.get(
        "/api/sla/explain",
        headers=duty,
        params={"severity": "一般", "start": "2025-09-30T16:00+08:00", "source_kind": "hotline"},
    ).json()
    assert explained["policy"] == "热线一般件" and explained["response_due"] is None
    assert explained["close_due"] == "2025-10-11T17:30:00+08:00"
    refused = client.post(
        "/api/sla/policies", headers=admin, json={**hotline, "name": "x", "limits": {"ack": hotline["limits"]["ack"]}}
    )
    assert refused.status_code == 422
    # 2099 has no official arrangement: provisional deadlines until the admin enters the year.
    missing = client.get(
        "/api/sla/explain", headers=duty, params={"severity": "一般", "start": "2099-03-02T09:00+08:00"}
    )
    assert missing.status_code == 200 and missing.json()["provisional"] is True
    assert missing.json()["ack_due"] == "2099-03-03T17:30:00+08:00" and missing.json()["provisional_years"] == [2099]
    assert all(d["provisional"] and d["provisional_years"] == [2099] for d in missing.json()["deadlines"])
    out_of_range = client.get(
        "/api/sla/explain", headers=duty, params={"severity": "一般", "start": "2100-03-02T09:00+08:00"}
    )
    assert out_of_range.status_code == 422 and "query/start" in out_of_range.json()["message"]
    provisional_year = client.get("/api/calendar/years/2099", headers=duty).json()
    assert provisional_year["source"] == "missing" and provisional_year["provisional"] is True
    assert {"date": "2099-10-01", "workday": False, "name": "国庆节"} in provisional_year["days"]
    year = {"notice": "国办发明电〔2098〕1号", "days": [{"date": "2099-03-03", "workday": False, "name": "测试节"}]}
    assert client.put("/api/calendar/years/2099", headers=duty, json=year).status_code == 403
    saved = client.put("/api/calendar/years/2099", headers=admin, json=year)
    assert saved.status_code == 200 and saved.json()["source"] == "admin"
    explained = client.get(
        "/api/sla/explain", headers=duty, params={"severity": "一般", "start": "2099-03-02T09:00+08:00"}
    )
    assert explained.json()["ack_due"] == "2099-03-04T17:30:00+08:00" and explained.json()["provisional"] is False
    library = client.get("/api/calendar/years/2025", headers=duty).json()
    assert library["source"] == "library"
    assert {"date": "2025-10-11", "workday": True, "name": "国庆节"} in library["days"]
    days = client.get("/api/calendar/days", headers=duty, params={"start": "2025-09-30", "end": "2025-10-02"}).json()
    assert [d["workday"] for d in days] == [True, False, False]
    days = client.get("/api/calendar/days", headers=duty, params={"start": "2097-12-31", "end": "2098-01-01"}).json()
    assert [(d["workday"], d["reason"]) for d in days] == [(True, "工作日"), (False, "元旦假期（暂定）")]
    refused = client.get("/api/calendar/days", headers=duty, params={"start": "1899-12-31", "end": "1900-01-01"})
    assert refused.status_code == 422 and "query/start" in refused.json()["message"]
    years = {
        y["year"]: y["source"] for y in client.get("/api/calendar/years", headers=duty, params={"around": 2026}).json()
    }
    assert years[2026] == "library" and years[2028] == "missing" and years[2099] == "admin"


def test_settings_and_the_lifecycle_table(client: TestClient, login: Login, people: None) -> None:
    make_user("admin", "admin")
    admin, duty = login("admin"), login("duty")
    grouping = client.get("/api/alert-settings/grouping", headers=duty).json()
    assert grouping["raise_at_posts"] == 3 and grouping["raise_to"] == "较大"
    saved = client.put("/api/alert-settings/grouping", headers=admin, json={"raise_at_posts": 5})
    assert saved.status_code == 200 and saved.json()["raise_at_posts"] == 5 and saved.json()["window_hours"] == 168
    assert client.put("/api/alert-settings/grouping", headers=admin, json={"colour": 1}).status_code == 422
    table = {row["action"]: row for row in client.get("/api/alerts/lifecycle", headers=duty).json()}
    assert table["sign_off"]["roles"] == ["head", "leader"] and table["sign_off"]["target"] is None
    assert table["escalate"]["target"] is None and table["follow_up"]["required"] == ["satisfaction"]


def test_an_information_request_entered_by_hand(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    make_user("office-staff", "staff", "office")
    body = {
        "kind": "info_request",
        "title": "申请公开生猪调出大县奖励资金分配结果",
        "content": "请公开2025年度奖励资金分配结果。",
        "category": "conduct",
        "received_at": "2025-09-26T10:00:00+08:00",
        "channel": "信函",
        "requester": {"name": "李女士", "phone": "13912345678"},
    }
    assert client.post("/api/alerts", headers=login("production-staff"), json=body).status_code == 403
    created = client.post("/api/alerts", headers=login("duty"), json=body)
    assert created.status_code == 201, created.text
    alert = created.json()
    assert alert["kind"] == "info_request" and alert["severity"] == "依申请公开"
    assert alert["section"]["code"] == "office" and alert["close_due"] == "2025-10-30T17:30:00+08:00"
    assert alert["response_due"] is None and alert["opened_at"] == "2025-09-26T10:00:00+08:00"
    listed = client.get("/api/alerts", headers=login("office-staff"), params={"kind": "info_request"}).json()
    assert listed["total"] == 1
    assert client.get("/api/alerts", headers=login("duty"), params={"severity": "依申请公开"}).json()["total"] == 1
    future = {**body, "received_at": (datetime.now().astimezone() + timedelta(days=2)).isoformat()}
    assert client.post("/api/alerts", headers=login("duty"), json=future).status_code == 422


def test_attachments_are_checked_stored_and_linked_to_a_response(
    client: TestClient, login: Login, people: None, monkeypatch: Any
) -> None:
    alert_id = make_alert()
    duty, staff = login("duty"), login("production-staff")
    for action in ("acknowledge", "assign"):
        client.post(f"/api/alerts/{alert_id}/transitions", headers=duty, json={"action": action})
    client.post(f"/api/alerts/{alert_id}/transitions", headers=staff, json={"action": "start"})
    pdf = b"%PDF-1.7\n" + b"0" * 2000
    uploaded = client.post(
        f"/api/alerts/{alert_id}/attachments", headers=staff, files={"file": ("回复函.pdf", pdf, "application/pdf")}
    )
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    assert attachment["size"] == len(pdf) and attachment["content_type"] == "application/pdf"
    fake = client.post(
        f"/api/alerts/{alert_id}/attachments",
        headers=staff,
        files={"file": ("x.pdf", b"MZ\x90\x00", "application/pdf")},
    )
    assert fake.status_code == 422 and "不符" in fake.json()["detail"]
    script = client.post(f"/api/alerts/{alert_id}/attachments", headers=staff, files={"file": ("run.exe", b"MZ", "x")})
    assert script.status_code == 422 and "不支持" in script.json()["detail"]
    monkeypatch.setenv("MUQING_ATTACHMENT_MAX_BYTES", "1000")
    from core.config import get_settings

    get_settings.cache_clear()
    big = client.post(
        f"/api/alerts/{alert_id}/attachments", headers=staff, files={"file": ("big.pdf", pdf, "application/pdf")}
    )
    assert big.status_code == 422 and "大小上限" in big.json()["detail"]
    monkeypatch.delenv("MUQING_ATTACHMENT_MAX_BYTES")
    get_settings.cache_clear()
    responded = client.post(
        f"/api/alerts/{alert_id}/transitions",
        headers=staff,
        json={
            "action": "respond",
            "response": {
                "content": "已到现场核查，责令限期整改",
                "channel": "board_reply",
                "link": "https://board.example/reply/1",
                "contact": "已电话联系投诉人",
                "attachment_ids": [attachment["id"]],
            },
        },
    ).json()
    response = responded["responses"][0]
    assert response["contact"] == "已电话联系投诉人" and response["attachments"][0]["id"] == attachment["id"]
    downloaded = client.get(f"/api/alerts/{alert_id}/attachments/{attachment['id']}", headers=staff)
    assert downloaded.status_code == 200 and downloaded.content == pdf
    assert (
        client.get(f"/api/alerts/{alert_id}/attachments/{attachment['id']}", headers=login("quality-staff")).status_code
        == 404
    )
