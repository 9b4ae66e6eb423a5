"""A full case through the API by each role, as the walking skeleton promises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.factories import make_alert


def test_health(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_login_refuses_a_wrong_password(client: TestClient, people: None) -> None:
    response = client.post("/api/auth/token", data={"username": "duty", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["detail"] == "用户名或密码错误"
    assert client.get("/api/alerts").status_code == 401


def test_token_guessing_is_throttled_even_with_the_right_password_afterwards(client: TestClient, people: None) -> None:
    from tests.factories import PASSWORD

    for _ in range(5):
        assert client.post("/api/auth/token", data={"username": "leader", "password": "guess"}).status_code == 401
    refused = client.post("/api/auth/token", data={"username": "leader", "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and "分钟后再试" in refused.json()["detail"]
    # Another account from the same address is not locked out by one user's guessing.
    assert client.post("/api/auth/token", data={"username": "duty", "password": PASSWORD}).status_code == 200


def test_case_from_sign_for_to_close_counts_as_on_time(client: TestClient, login: Login, people: None) -> None:
    alert_id = make_alert(category="pollution")
    duty, staff, head = login("duty"), login("production-staff"), login("production-head")

    listed = client.get("/api/alerts", headers=duty).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["section"]["code"] == "production" and item["status"] == "new" and item["post_count"] == 1
    assert datetime.fromisoformat(item["ack_due"]).utcoffset() is not None

    def act(headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(f"/api/alerts/{alert_id}/transitions", headers=headers, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    assert act(duty, {"action": "acknowledge"})["status"] == "acknowledged"
    assert act(duty, {"action": "assign"})["status"] == "assigned"
    assert act(staff, {"action": "start"})["status"] == "in_progress"
    responded = act(
        staff, {"action": "respond", "response": {"content": "已督促养殖场清运粪污", "channel": "board_reply"}}
    )
    assert responded["status"] == "responded" and responded["responses"][0]["channel"] == "board_reply"
    closed = act(head, {"action": "close", "note": "群众表示满意"})
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert [e["action"] for e in closed["events"]] == ["raise", "acknowledge", "assign", "start", "respond", "close"]
    assert closed["events"][1]["actor"] == "duty"

    figures = client.get("/api/stats/timeliness", headers=login("leader")).json()["sections"]
    production = next(row for row in figures if row["section"]["code"] == "production")
    assert production["alerts"] == 1
    assert production["ack_on_time_rate"] == 1.0 and production["close_on_time_rate"] == 1.0
    assert production["mean_hours_to_close"] is not None


def test_other_sections_staff_get_404(client: TestClient, login: Login, people: None) -> None:
    alert_id = make_alert(category="pollution")
    other = login("quality-staff")
    assert client.get(f"/api/alerts/{alert_id}", headers=other).status_code == 404
    assert client.get("/api/alerts", headers=other).json()["total"] == 0
    response = client.post(f"/api/alerts/{alert_id}/transitions", headers=other, json={"action": "start"})
    assert response.status_code == 404


def test_only_coordinators_assign(client: TestClient, login: Login, people: None) -> None:
    alert_id = make_alert(category="pollution")
    client.post(f"/api/alerts/{alert_id}/transitions", headers=login("duty"), json={"action": "acknowledge"})
    response = client.post(
        f"/api/alerts/{alert_id}/transitions", headers=login("production-head"), json={"action": "assign"}
    )
    assert response.status_code == 403
    assert "转办" in response.json()["detail"]


def test_illegal_transition_is_409_with_a_clear_message(client: TestClient, login: Login, people: None) -> None:
    alert_id = make_alert(category="pollution")
    response = client.post(f"/api/alerts/{alert_id}/transitions", headers=login("leader"), json={"action": "close"})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("预警当前状态为「待签收」，不能执行「办结」")


def test_a_wrong_field_is_422_naming_it(client: TestClient, login: Login, people: None) -> None:
    alert_id = make_alert(category="pollution")
    duty = login("duty")
    response = client.post(f"/api/alerts/{alert_id}/transitions", headers=duty, json={"action": "fly"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "action"]
    response = client.get("/api/alerts?severity=huge", headers=duty)
    assert response.status_code == 422 and "severity" in response.json()["message"]
    response = client.post(f"/api/alerts/{alert_id}/transitions", headers=duty, json={"action": "dismiss"})
    assert response.status_code == 422 and response.json()["details"] == {"field": "note"}


def test_list_filters(client: TestClient, login: Login, people: None) -> None:
    make_alert(category="pollution", severity="一般")
    make_alert(category="slaughter", severity="重大")
    duty = login("duty")
    assert client.get("/api/alerts?category=slaughter", headers=duty).json()["total"] == 1
    assert client.get("/api/alerts", params={"severity": "重大"}, headers=duty).json()["total"] == 1
    assert client.get("/api/alerts?status=new&status=closed", headers=duty).json()["total"] == 2
    sections = {s["code"]: s["id"] for s in client.get("/api/sections", headers=duty).json()}
    by_section = client.get(f"/api/alerts?section_id={sections['quality']}", headers=duty).json()
    assert [a["category"] for a in by_section["items"]] == ["slaughter"]
