"""Smaller findings of the security probe, each as a user or an outsider would meet it through the API."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from tests.conftest import Login


def test_the_services_health_names_no_internal_path_without_login(
    client: TestClient, login: Login, people: None
) -> None:
    data_dir = os.environ["MUQING_DATA_DIR"]
    anonymous = client.get("/api/health/services")
    assert anonymous.status_code == 200
    assert data_dir not in anonymous.text and "sqlite:" not in anonymous.text
    assert {name: set(state) for name, state in anonymous.json()["services"].items()} == {
        "database": {"engine", "ok"},
        "queue": {"engine", "ok"},
        "search": {"engine", "ok"},
    }
    signed_in = client.get("/api/health/services", headers=login("duty")).json()
    assert "address" in signed_in["services"]["database"]


def test_a_password_reset_ends_every_api_token_of_that_user(client: TestClient, login: Login, people: None) -> None:
    from tests.factories import make_user
    from tests.web.helpers import csrf_of, sign_in

    staff = login("production-staff")
    assert client.get("/api/alerts", headers=staff).status_code == 200
    make_user("admin", "admin")
    sign_in(client, "admin")
    page = client.get("/admin/users")
    target = client.get("/api/auth/me", headers=staff).json()["id"]
    reset = client.post(
        f"/admin/users/{target}/password", data={"password": "a-brand-new-password", "csrf": csrf_of(page.text)}
    )
    assert reset.status_code in (200, 303)
    refused = client.get("/api/alerts", headers=staff)
    assert refused.status_code == 401 and "密码已更改" in refused.json()["detail"]
    fresh = client.post("/api/auth/token", data={"username": "production-staff", "password": "a-brand-new-password"})
    renewed = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert client.get("/api/alerts", headers=renewed).status_code == 200


def test_script_links_are_refused_when_stored_and_never_rendered_as_links(
    client: TestClient, login: Login, people: None
) -> None:
    from core.db import session_scope
    from core.models import Post
    from tests.factories import make_alert
    from tests.web.helpers import sign_in

    duty = login("duty")
    alert_id = make_alert(title="西湾村养猪场污水横流")
    for step in ({"action": "acknowledge"}, {"action": "assign"}):
        assert client.post(f"/api/alerts/{alert_id}/transitions", headers=duty, json=step).status_code == 200
    staff = login("production-staff")
    started = client.post(f"/api/alerts/{alert_id}/transitions", headers=staff, json={"action": "start"})
    assert started.status_code == 200
    for link in ("javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:x"):
        respond = {"action": "respond", "response": {"content": "已处理", "link": link}}
        refused = client.post(f"/api/alerts/{alert_id}/transitions", headers=staff, json=respond)
        assert refused.status_code == 422 and refused.json()["details"]["field"] == "response.link", refused.text
    # A URL stored before this rule (or by another way in) is shown as text, never as a link.
    with session_scope() as session:
        post = session.get(Post, client.get(f"/api/alerts/{alert_id}", headers=duty).json()["posts"][0]["id"])
        assert post is not None
        post.url = "javascript:alert(document.cookie)"
    sign_in(client, "duty")
    page = client.get(f"/alerts/{alert_id}")
    assert page.status_code == 200 and 'href="javascript:' not in page.text.lower()


def test_search_names_no_case_of_another_section(client: TestClient, login: Login, people: None) -> None:
    from tests.factories import make_alert

    theirs = make_alert(title="东坡村养猪场病死猪被扔进河里", category="epidemic")
    ours = make_alert(title="北坡村养猪场污水直排", category="pollution")
    # A section user finds only its own cases' posts (alerts.privacy.service), so it never sees another's case id.
    for username, expected in (("quality-staff", set()), ("production-staff", {ours}), ("duty", {ours, theirs})):
        hits = client.get("/api/search", headers=login(username), params={"q": "养猪场"}).json()["hits"]
        assert len(hits) == len(expected)
        assert {hit["alert_id"] for hit in hits if hit["alert_id"]} == expected, username


def test_a_nul_character_is_refused_naming_the_field_on_both_databases(
    client: TestClient, login: Login, people: None
) -> None:
    from tests.factories import make_alert

    duty = login("duty")
    alert_id = make_alert(title="西湾村养猪场污水横流")
    refused = client.post(
        f"/api/alerts/{alert_id}/transitions", headers=duty, json={"action": "acknowledge", "note": "已签收\u0000"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_input" and "U+0000" in refused.json()["detail"]
    assert refused.json()["details"]["field"] in {"note", "data"}
    # Nothing of the refused step was kept, and the same step without the character goes through.
    assert client.get(f"/api/alerts/{alert_id}", headers=duty).json()["status"] == "new"
    done = client.post(
        f"/api/alerts/{alert_id}/transitions", headers=duty, json={"action": "acknowledge", "note": "已签收"}
    )
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"


def test_half_an_emoji_is_refused_naming_the_field_never_a_server_error(
    client: TestClient, login: Login, people: None
) -> None:
    from tests.factories import make_alert, make_user

    duty = {**login("duty"), "content-type": "application/json"}
    alert_id = make_alert(title="西湾村养猪场污水横流")
    # JSON may escape one half of a UTF-16 pair alone; no database and no UTF-8 answer can hold it.
    body = '{"action": "acknowledge", "note": "已签收\\ud83d"}'
    typed = client.post(f"/api/alerts/{alert_id}/transitions", headers=duty, content=body)
    assert typed.status_code == 422, typed.text
    assert typed.json()["code"] == "invalid_input" and "body/note" in typed.json()["message"]
    # A field the route takes as free JSON reaches the storing rule, which names it the same way on both databases.
    make_user("admin", "admin")
    admin = {**login("admin"), "content-type": "application/json"}
    town = client.get("/api/places", headers=admin).json()["items"][0]
    free = client.patch(f"/api/places/{town['id']}", headers=admin, content='{"note": "\\udc00备注"}')
    assert free.status_code == 422, free.text
    assert free.json()["details"]["field"] == "note" and "U+DC00" in free.json()["detail"]
    assert client.get(f"/api/alerts/{alert_id}", headers=duty).json()["status"] == "new"
    kept = client.patch(f"/api/places/{town['id']}", headers=admin, json={"note": "备注😀"})
    assert kept.status_code == 200 and kept.json()["note"] == "备注😀"
