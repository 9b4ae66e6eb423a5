"""Timeliness figures through the API, per section, category and period, checked against the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from alerts.cases.models import Alert
from core.db import session_scope
from core.timeutil import local_zone, utcnow
from tests.conftest import Login
from tests.factories import make_alert


def set_due(alert_id: int, **due: datetime) -> None:
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        for name, value in due.items():
            setattr(alert, name, value)


def test_figures_match_the_audit_log(client: TestClient, login: Login, people: None) -> None:
    duty, staff, head, leader = login("duty"), login("production-staff"), login("production-head"), login("leader")

    def act(alert_id: int, headers: dict[str, str], body: dict[str, Any]) -> None:
        response = client.post(f"/api/alerts/{alert_id}/transitions", headers=headers, json=body)
        assert response.status_code == 200, response.text

    respond = {"action": "respond", "response": {"content": "已处理并回复", "channel": "board_reply"}}
    # A: on time all the way, follow-up 满意.
    a = make_alert(category="pollution")
    for headers, body in (
        (duty, {"action": "acknowledge"}),
        (duty, {"action": "assign"}),
        (staff, {"action": "start"}),
    ):
        act(a, headers, body)
    act(a, staff, respond)
    act(a, head, {"action": "close"})
    act(a, duty, {"action": "follow_up", "satisfaction": "满意"})
    # B: signed for late, sent back once, closed late, then 不满意 sends it back for redoing.
    b = make_alert(category="pollution", title="另一家养殖场污水外溢")
    set_due(b, ack_due=utcnow() - timedelta(hours=1))
    act(b, duty, {"action": "acknowledge"})
    act(b, duty, {"action": "assign"})
    act(b, staff, {"action": "send_back", "note": "不属于本科室"})
    act(b, duty, {"action": "assign"})
    act(b, staff, {"action": "start"})
    act(b, staff, respond)
    set_due(b, close_due=utcnow() - timedelta(minutes=5))
    act(b, head, {"action": "close"})
    act(b, duty, {"action": "follow_up", "satisfaction": "不满意", "note": "问题依旧"})
    # C: never signed for and past its deadline.
    c = make_alert(category="slaughter", title="夜里有人私宰生猪")
    set_due(c, ack_due=utcnow() - timedelta(minutes=1))
    # D: dismissed.
    d = make_alert(category="other", title="兽医站公交站改名")
    act(d, duty, {"action": "dismiss", "note": "非本中心职责"})

    report = client.get("/api/stats/timeliness", headers=leader).json()
    rows = {row["section"]["code"] if row["section"] else None: row for row in report["rows"]}
    production = rows["production"]
    assert production["alerts"] == 2 and production["acknowledged"] == 2
    assert production["ack_on_time_rate"] == 0.5
    assert production["sent_back"] == 1 and production["sent_back_rate"] == 0.5
    assert production["followed_up"] == 2 and production["satisfaction_rate"] == 0.5 and production["reopened"] == 1
    # B was reopened: only A counts as closed, on time; B's new close deadline lies ahead.
    assert production["closed"] == 1 and production["close_on_time_rate"] == 1.0
    assert rows["quality"]["overdue"] == 1 and rows["quality"]["ack_on_time_rate"] == 0.0
    assert report["total"]["alerts"] == 4 and report["total"]["dismissed"] == 1
    assert report["sections"] == report["rows"]

    # Hours to sign for, recomputed from each alert's own audit log.
    hours = []
    for alert_id in (a, b):
        detail = client.get(f"/api/alerts/{alert_id}", headers=leader).json()
        opened = datetime.fromisoformat(detail["opened_at"])
        signed = next(datetime.fromisoformat(e["at"]) for e in detail["events"] if e["action"] == "acknowledge")
        hours.append((signed - opened).total_seconds() / 3600)
    assert abs(production["mean_hours_to_ack"] - sum(hours) / 2) < 1e-6
    assert abs(production["p90_hours_to_ack"] - max(hours)) < 1e-6

    by_category = {
        r["key"]: r
        for r in client.get("/api/stats/timeliness", headers=leader, params={"by": "category"}).json()["rows"]
    }
    assert by_category["pollution"]["alerts"] == 2 and by_category["pollution"]["label"] == "养殖污染"
    assert by_category["slaughter"]["overdue"] == 1
    by_day = client.get("/api/stats/timeliness", headers=leader, params={"by": "period", "period": "day"}).json()
    assert sum(r["alerts"] for r in by_day["rows"]) == 4
    today = datetime.now(local_zone()).date()  # days are the office's days, not this machine's
    assert any(r["key"] in {today.isoformat(), (today - timedelta(days=1)).isoformat()} for r in by_day["rows"])
    # A section sees only its own figures.
    own = client.get("/api/stats/timeliness", headers=staff, params={"by": "category"}).json()
    assert {r["key"] for r in own["rows"]} == {"pollution"}
    future = client.get("/api/stats/timeliness", headers=leader, params={"start": "2099-01-01"}).json()
    assert future["rows"] == [] and future["total"]["alerts"] == 0
