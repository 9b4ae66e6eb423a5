"""Notifications through the API: inbox, live stream (SSE), preferences, channels, the delivery log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.alerts.receivers import HttpReceiver, http_receiver
from tests.conftest import Login
from tests.factories import make_alert, make_user


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as server:
        yield server


def sse_events(text: str) -> list[dict[str, str]]:
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, value = line.split(":", 1)
            fields[name] = value.strip()
        if "event" in fields:
            events.append(fields)
    return events


def test_inbox_and_live_stream(client: TestClient, login: Login, people: None) -> None:
    duty = login("duty")
    first = make_alert(title="养殖场粪污外溢，联系人电话13912345678")
    page = client.get("/api/notifications", headers=duty).json()
    assert page["unread"] == 1
    item = page["items"][0]
    assert item["kind"] == "alert.new" and item["alert_id"] == first and item["label"] == "新预警"
    assert "13912345678" not in item["title"] and "139****5678" in item["title"]
    # The stream replays what came after the last id the browser saw, then keeps the line open.
    token = duty["Authorization"].split()[1]
    with client.stream(
        "GET", "/api/notifications/stream", params={"access_token": token, "last_event_id": 0, "max_seconds": 1}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = sse_events(body)
    assert [e["event"] for e in events] == ["alert.new"]
    assert events[0]["id"] == str(item["id"])
    data = json.loads(events[0]["data"])
    assert data["alert"]["id"] == first and data["alert"]["section"]["code"] == "production"
    second = make_alert(title="另一条投诉")
    with client.stream(
        "GET",
        "/api/notifications/stream",
        headers={**duty, "Last-Event-ID": str(item["id"])},
        params={"max_seconds": 1},
    ) as response:
        later = sse_events("".join(response.iter_text()))
    assert [json.loads(e["data"])["alert_id"] for e in later] == [second]
    assert client.get("/api/notifications/stream").status_code == 401
    assert client.post("/api/notifications/read", headers=duty, json={"ids": [item["id"]]}).json() == {"updated": 1}
    assert client.get("/api/notifications", headers=duty, params={"unread": True}).json()["unread"] == 1
    assert client.post("/api/notifications/read", headers=duty, json={}).json() == {"updated": 1}


def test_preferences(client: TestClient, login: Login, people: None) -> None:
    staff, head = login("production-staff"), login("production-head")
    assert client.get("/api/notifications/preferences/me", headers=staff).json()["source"] == "default"
    sections = {s["code"]: s["id"] for s in client.get("/api/sections", headers=staff).json()}
    body = {"channels": ["inapp"], "events": ["alert.assigned", "alert.overdue"], "min_severity": None}
    url = f"/api/notifications/preferences/sections/{sections['production']}"
    assert client.put(url, headers=staff, json=body).status_code == 403
    assert client.put(url, headers=head, json=body).status_code == 200
    shown = client.get("/api/notifications/preferences/me", headers=staff).json()
    assert shown["source"] == "section" and shown["events"] == ["alert.assigned", "alert.overdue"]
    mine = client.put("/api/notifications/preferences/me", headers=staff, json={"channels": ["inapp", "email"]})
    assert mine.json()["source"] == "user" and mine.json()["events"] == []
    bad = client.put("/api/notifications/preferences/me", headers=staff, json={"events": ["alert.party"]})
    assert bad.status_code == 422


def test_channels_test_message_and_the_delivery_log(
    client: TestClient, login: Login, people: None, receiver: HttpReceiver
) -> None:
    make_user("admin", "admin")
    admin, duty = login("admin"), login("duty")
    channel = {"name": "平台", "kind": "webhook", "config": {"url": f"{receiver.url}/hook", "secret": "s3"}}
    assert client.post("/api/notifications/channels", headers=duty, json=channel).status_code == 403
    created = client.post("/api/notifications/channels", headers=admin, json=channel)
    assert created.status_code == 201 and created.json()["config"]["secret"] == "******"
    bad = client.post(
        "/api/notifications/channels", headers=admin, json={**channel, "name": "x", "config": {"url": "ftp://x"}}
    )
    assert bad.status_code == 422 and bad.json()["details"] == {"field": "config.url"}
    channel_id = created.json()["id"]
    kept = client.put(
        f"/api/notifications/channels/{channel_id}",
        headers=admin,
        json={**channel, "config": {"url": f"{receiver.url}/hook", "secret": "******"}},
    )
    assert kept.status_code == 200
    tested = client.post(f"/api/notifications/channels/{channel_id}/test", headers=admin)
    assert tested.status_code == 202
    assert receiver.on("/hook")[0].json()["event"] == "test"
    assert "X-Muqing-Signature" in receiver.on("/hook")[0].headers  # the kept secret still signs
    receiver.fail_next = 1
    alert_id = make_alert()
    log = client.get("/api/notifications/deliveries", headers=duty, params={"alert_id": alert_id}).json()
    webhook = next(d for d in log["items"] if d["channel"] == "webhook")
    assert webhook["status"] == "retrying" and webhook["attempts"] == 1 and "500" in webhook["last_error"]
    assert webhook["kind"] == "alert.new" and webhook["alert_id"] == alert_id
    assert client.post(f"/api/notifications/deliveries/{webhook['id']}/retry", headers=duty).status_code == 403
    retried = client.post(f"/api/notifications/deliveries/{webhook['id']}/retry", headers=admin).json()
    assert retried["status"] == "sent" and retried["attempts"] == 1
    kinds = client.get("/api/notifications/kinds", headers=duty).json()
    assert kinds["kinds"]["alert.overdue"] == "超时督办" and kinds["channels"]["dingtalk"] == "钉钉群机器人"
    assert client.delete(f"/api/notifications/channels/{channel_id}", headers=admin).status_code == 204
