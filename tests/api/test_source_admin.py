"""Sources through the API: the sources file's fields and validation, write-only secrets, every change audited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.factories import make_user

BOARD: dict[str, Any] = {
    "name": "county-forum",
    "title": "某县论坛",
    "kind": "list_detail",
    "start_urls": ["http://127.0.0.1:9/forum/list_1.html"],
    "interval_minutes": 30,
    "headers": {"Cookie": "SESSION=s3cr3t-value", "Referer": "http://127.0.0.1:9/"},
    "list": {"item": "table.threads tr.row", "link": "a.t::attr(href)"},
    "detail": {"title": "h2.subject::text", "content": "div.message"},
}


def _admin(client: TestClient, login: Login) -> dict[str, str]:
    make_user("admin", "admin")
    return login("admin")


def test_a_source_added_as_json_reads_back_as_get_gives_it_without_its_secrets(
    client: TestClient, login: Login
) -> None:
    headers = _admin(client, login)
    created = client.post("/api/sources", json=BOARD, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    fetched = client.get(f"/api/sources/{body['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.json() == body
    assert body["name"] == "county-forum" and body["kind"] == "list_detail" and body["interval_minutes"] == 30
    assert body["config"]["detail"]["content"] == "div.message" and body["health"]["status"] == "never_run"
    assert body["config"]["headers"] == {"Referer": "http://127.0.0.1:9/"} and body["secrets"] == ["headers.Cookie"]
    assert "s3cr3t" not in fetched.text and "s3cr3t" not in client.get("/api/sources", headers=headers).text
    from core.db import session_scope
    from core.models import Source

    with session_scope() as session:  # stored for the crawler, shown to nobody
        assert session.get(Source, body["id"]).config["headers"]["Cookie"] == "SESSION=s3cr3t-value"  # type: ignore[union-attr]


def test_a_bad_field_is_refused_with_422_naming_it(client: TestClient, login: Login) -> None:
    headers = _admin(client, login)
    bad_selector = {**BOARD, "detail": {"title": "h2[", "content": "div.message"}}
    response = client.post("/api/sources", json=bad_selector, headers=headers)
    assert response.status_code == 422 and response.json()["details"]["field"] == "detail.title"
    assert "detail.title" in response.json()["detail"]
    for change, field in (
        ({"kind": "forum"}, "kind"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"speed": 1}, "speed"),
    ):
        response = client.post("/api/sources", json={**BOARD, **change}, headers=headers)
        assert response.status_code == 422 and response.json()["details"]["field"] == field, response.text
    assert client.post("/api/sources", json=BOARD, headers=headers).status_code == 201
    twice = client.post("/api/sources", json=BOARD, headers=headers)
    assert twice.status_code == 422 and twice.json()["details"]["field"] == "name"
    assert client.get("/api/sources", headers=headers).json()["items"][0]["name"] == "county-forum"


def test_patch_and_delete_are_audited_and_keep_secrets_unless_removed(client: TestClient, login: Login) -> None:
    headers = _admin(client, login)
    source_id = client.post("/api/sources", json=BOARD, headers=headers).json()["id"]
    patched = client.patch(
        f"/api/sources/{source_id}", json={"title": "某县论坛·民生", "list": {"max_pages": 2}}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    config = patched.json()["config"]
    assert patched.json()["title"] == "某县论坛·民生" and config["list"] == {**config["list"], "max_pages": 2}
    assert config["list"]["item"] == "table.threads tr.row" and patched.json()["secrets"] == ["headers.Cookie"]
    bad = client.patch(f"/api/sources/{source_id}", json={"list": {"link": ""}}, headers=headers)
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "list.link"
    removed = client.patch(f"/api/sources/{source_id}", json={"headers": {"Cookie": None}}, headers=headers)
    assert removed.json()["secrets"] == [] and removed.json()["config"]["headers"] == {"Referer": "http://127.0.0.1:9/"}
    assert client.post(f"/api/sources/{source_id}/pause", headers=headers).json()["enabled"] is False
    assert client.delete(f"/api/sources/{source_id}", headers=headers).status_code == 204
    assert client.get(f"/api/sources/{source_id}", headers=headers).status_code == 404
    log = client.get("/api/audit-log", params={"entity": "source", "entity_id": source_id}, headers=headers)
    actions = [entry["action"] for entry in log.json()["items"]]
    assert actions == ["delete", "pause", "update", "update", "create"]
    assert all(entry["actor_name"] for entry in log.json()["items"]) and "s3cr3t" not in log.text


def test_only_admins_change_sources(client: TestClient, login: Login, people: None) -> None:
    headers = login("duty")
    assert client.post("/api/sources", json=BOARD, headers=headers).status_code == 403
