"""A significant case walked through the API by each role, with a webhook receiver listening."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.alerts.receivers import http_receiver
from tests.conftest import Login
from tests.factories import make_alert, make_user


def test_each_role_walks_a_significant_case_and_the_receiver_hears_every_step(
    client: TestClient, login: Login, people: None
) -> None:
    make_user("admin", "admin")
    admin, duty, leader = login("admin"), login("duty"), login("leader")
    staff, head = login("production-staff"), login("production-head")
    with http_receiver() as receiver:
        channel = {"name": "中心值班群", "kind": "webhook", "config": {"url": f"{receiver.url}/hook", "secret": "k"}}
        assert client.post("/api/notifications/channels", headers=admin, json=channel).status_code == 201
        alert_id = make_alert(severity="较大", title="兴旺养殖场污水直排，联系人13712345678")

        def act(headers: dict[str, str], body: dict[str, Any], status: int = 200) -> dict[str, Any]:
            response = client.post(f"/api/alerts/{alert_id}/transitions", headers=headers, json=body)
            assert response.status_code == status, response.text
            return dict(response.json())

        assert "acknowledge" in client.get(f"/api/alerts/{alert_id}", headers=duty).json()["allowed_actions"]
        act(duty, {"action": "acknowledge"})
        act(duty, {"action": "assign", "note": "请生产科核查"})
        act(staff, {"action": "start"})
        act(leader, {"action": "escalate", "note": "群众反映强烈，请当日回应"})
        held = act(staff, {"action": "respond", "response": {"content": "已责令停止排放", "channel": "website"}})
        assert held["status"] == "responded" and held["responses"][0]["status"] == "pending_sign_off"
        assert held["responded_at"] is None
        assert "sign_off" not in held["allowed_actions"]  # staff cannot sign off
        act(staff, {"action": "sign_off"}, status=403)
        signed = act(head, {"action": "sign_off", "note": "同意发布"})
        assert signed["status"] == "responded" and signed["responded_at"] is not None
        act(staff, {"action": "request_extension", "note": "等待检测报告"}, status=409)  # responded: no longer handling
        closed = act(head, {"action": "close"})
        assert closed["status"] == "closed"
        reopened = act(duty, {"action": "follow_up", "satisfaction": "不满意", "method": "phone", "note": "仍有异味"})
        assert reopened["status"] == "in_progress" and reopened["reopen_count"] == 1
        act(
            staff,
            {"action": "request_extension", "note": "需整改到位后复查", "extension": {"amount": 24, "unit": "hours"}},
        )
        act(head, {"action": "approve_extension"})
        act(head, {"action": "respond", "response": {"content": "复查已达标", "channel": "phone"}})
        final = act(head, {"action": "close"})
        follow = act(duty, {"action": "follow_up", "satisfaction": "满意"})
        assert follow["status"] == "closed" and follow["satisfaction"] == "满意"
        assert [e["action"] for e in final["events"]] == [
            "raise",
            "acknowledge",
            "assign",
            "start",
            "escalate",
            "respond",
            "sign_off",
            "close",
            "follow_up",
            "reopen",
            "deadline",  # the response and close clocks restart (alerts/cases/deadline_log.py)
            "request_extension",
            "approve_extension",
            "deadline",  # the close deadline moves by the extension
            "respond",
            "close",
        ]
        heard = [r.json()["event"] for r in receiver.on("/hook")]
    assert heard == [
        "alert.new",
        "alert.assigned",
        "alert.escalated",
        "alert.sign_off_needed",
        "alert.responded",
        "alert.closed",
        "alert.reopened",
        "alert.extension_requested",
        "alert.extension_decided",
        "alert.responded",
        "alert.closed",
    ]
    assert all("13712345678" not in r.body.decode() for r in receiver.requests)
    figures = client.get("/api/stats/timeliness", headers=leader).json()
    production = next(r for r in figures["rows"] if r["key"] != "none" and r["section"]["code"] == "production")
    assert production["closed"] == 1 and production["followed_up"] == 1 and production["satisfaction_rate"] == 1.0
    assert production["reopened"] == 1
