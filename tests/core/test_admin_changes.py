"""Every admin change is an audit entry (what, before and after, who), wherever it is made; secrets never reach it.
Every deadline set or changed is a case event with old and new values and why."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts.helpers import act
from tests.conftest import Login
from tests.factories import make_alert, make_user


def _changes(entity: str) -> list[Any]:
    from core.audit_log import AdminChange
    from core.db import session_scope

    with session_scope() as session:
        rows = session.scalars(select(AdminChange).where(AdminChange.entity == entity).order_by(AdminChange.id))
        return list(rows)


def test_admin_changes_through_the_api_name_who_and_what(client: TestClient, login: Login, people: None) -> None:
    make_user("admin", "admin")
    admin = login("admin")
    sections = {s["code"]: s["id"] for s in client.get("/api/sections", headers=admin).json()}
    rule = {"name": "柳河镇养殖污染", "priority": 50, "match": {"categories": ["pollution"]}}
    created = client.post("/api/routing/rules", headers=admin, json={**rule, "section_id": sections["vetstation"]})
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    body = {**rule, "section_id": sections["production"]}
    assert client.put(f"/api/routing/rules/{rule_id}", headers=admin, json=body).status_code == 200
    assert client.delete(f"/api/routing/rules/{rule_id}", headers=admin).status_code == 204
    logged = [c for c in _changes("routing_rule") if c.entity_id == rule_id]
    assert [c.action for c in logged] == ["create", "update", "delete"]
    assert all(c.actor_name == "admin" and c.actor_id is not None for c in logged)
    assert logged[1].before == {"section_id": sections["vetstation"]}
    assert logged[1].after == {"section_id": sections["production"]}
    assert logged[2].before["name"] == "柳河镇养殖污染" and logged[2].after is None

    channel = {
        "name": "值班群",
        "kind": "webhook",
        "config": {"url": "http://127.0.0.1:9/hook?key=abc", "secret": "s3"},
    }
    assert client.post("/api/notifications/channels", headers=admin, json=channel).status_code == 201
    (made,) = _changes("notify_channel")
    assert made.after["config"] == {"url": "（已隐藏）", "secret": "（已隐藏）"} and "abc" not in str(made.after)

    assert client.put("/api/alert-settings/grouping", headers=admin, json={"raise_at_posts": 5}).status_code == 200
    setting = _changes("alert_setting")[-1]
    assert setting.entity_name == "grouping" and setting.after["value"]["raise_at_posts"] == 5
    assert setting.actor_name == "admin"

    year = {"notice": "国办发明电〔2098〕1号", "days": [{"date": "2099-03-03", "workday": False, "name": "测试节"}]}
    assert client.put("/api/calendar/years/2099", headers=admin, json=year).status_code == 200
    entered = _changes("holiday_year")[-1]
    assert entered.action == "create" and entered.entity_id == 2099 and entered.actor_name == "admin"


def test_a_handover_and_its_confirmation_are_admin_changes(client: TestClient, login: Login, people: None) -> None:
    make_user("duty2", "duty")
    ids = {p["username"]: p["id"] for p in client.get("/api/roster/people", headers=login("duty")).json()}
    alert_id = make_alert()
    note = {"note": "一起污染投诉待转办，已电话联系当事人", "to_user_id": ids["duty2"]}
    written = client.post("/api/roster/handovers", headers=login("duty"), json=note)
    assert written.status_code == 201, written.text
    handover_id = written.json()["id"]
    received = client.post(f"/api/roster/handovers/{handover_id}/receive", headers=login("duty2"))
    assert received.status_code == 200, received.text
    logged = _changes("duty_handover")
    assert [(c.action, c.entity_id, c.actor_name) for c in logged] == [
        ("create", handover_id, "duty"),
        ("update", handover_id, "duty2"),
    ]
    assert logged[0].entity_name.endswith("交接班") and logged[0].after["note"] == note["note"]
    assert logged[0].after["open_alert_ids"] == [alert_id] and logged[0].after["to_user_id"] == ids["duty2"]
    assert logged[1].before == {"received_at": None} and logged[1].after["received_at"]
    # Sealed into the chain like every other entry.
    from typer.testing import CliRunner

    from cli import app

    assert CliRunner().invoke(app, ["audit", "verify"]).exit_code == 0


def test_user_and_role_changes_are_logged_without_the_password(seeded: str) -> None:
    from core.audit_log import act_as
    from core.db import session_scope
    from core.models import User
    from core.service import set_password

    admin_id = make_user("admin", "admin")
    staff_id = make_user("someone", "staff", "production")
    with session_scope() as session:
        act_as(session, session.get(User, admin_id))
        user = session.get(User, staff_id)
        assert user is not None
        user.role = "head"
        set_password(session, user=user, password="another long password")
    created, changed = [c for c in _changes("user") if c.entity_id == staff_id][-2:]
    assert created.action == "create" and created.actor_name == "系统"  # from the command line: no user
    assert created.after["password_hash"] == "（已隐藏）"
    assert changed.action == "update" and changed.actor_name == "admin"
    assert changed.before["role"] == "staff" and changed.after["role"] == "head"
    assert changed.after["password_hash"] == "（已隐藏）"
    assert [c.entity_name for c in _changes("section")][:1] != []  # the seeded sections


def test_every_deadline_change_is_a_case_event_with_why(seeded: str) -> None:
    from alerts.cases.models import AlertEvent
    from core.db import session_scope

    for name, role, section in (("duty", "duty", None), ("leader", "leader", None), ("head", "head", "production")):
        make_user(name, role, section)
    alert_id = make_alert()
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "set_severity", severity="较大")
    act(alert_id, "duty", "assign")
    act(alert_id, "head", "start")
    act(alert_id, "head", "request_extension", note="需要取样检测")
    act(alert_id, "leader", "approve_extension")
    with session_scope() as session:
        rows = list(session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)))
    raised = rows[0]
    assert raised.action == "raise" and set(raised.data["deadlines"]) == {"ack", "response", "close"}
    moved = [row for row in rows if row.action == "deadline"]
    assert [row.data["reason"] for row in moved] == ["severity", "extension"]
    severity, extension = moved
    assert "ack" not in severity.data["changes"]  # signed for already: a met deadline stays
    assert severity.data["changes"]["close"]["from"] == raised.data["deadlines"]["close"]
    assert set(extension.data["changes"]) == {"close"}
    assert extension.data["changes"]["close"]["from"] == severity.data["changes"]["close"]["to"]
    assert extension.data["changes"]["close"]["to"] > extension.data["changes"]["close"]["from"]
    assert "延期" in extension.note and "→" in extension.note
