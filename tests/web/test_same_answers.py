"""The same bad input gets the same status and error code from the API and from the web form.

Both parse into the same schemas and call the same service, so each refusal below must match: a routing
rule, a notification channel and an SLA policy. Nothing refused is saved by either.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import Login
from tests.factories import make_user
from tests.web.helpers import csrf_of, sign_in


def _api_refusal(response: Response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["code"], (body.get("details") or {}).get("field")


def _web_refusal(response: Response) -> tuple[int, str, str | None]:
    field = None
    if 'data-error-field="' in response.text:
        field = response.text.split('data-error-field="', 1)[1].split('"', 1)[0]
    return response.status_code, response.headers.get("x-error-code", ""), field


def _post_page(client: TestClient, path: str, page: str, data: dict[str, Any]) -> Response:
    html = client.get(page).text
    return client.post(path, data={**data, "csrf": csrf_of(html)}, follow_redirects=False)


@pytest.fixture
def admin(client: TestClient, login: Login, people: None) -> dict[str, str]:
    make_user("admin", "admin")
    sign_in(client, "admin")
    return login("admin")


def _sections(client: TestClient, headers: dict[str, str]) -> dict[str, int]:
    return {s["code"]: s["id"] for s in client.get("/api/sections", headers=headers).json()}


RULES: dict[str, tuple[dict[str, Any], dict[str, Any], tuple[int, str, str | None]]] = {
    # case: (API body, form fields, expected status, code, field; None where pydantic names it its own way)
    "a name taken": ({"name": "养殖污染"}, {"name": "养殖污染"}, (409, "conflict", "name")),
    "no name": ({"name": ""}, {"name": ""}, (422, "invalid_input", None)),
    "a section that does not exist": (
        {"name": "新规则", "section_id": 999999},
        {"name": "新规则", "section_id": "999999"},
        (422, "invalid_input", "section_id"),
    ),
    "a category that does not exist": (
        {"name": "新规则", "match": {"categories": ["weather"]}},
        {"name": "新规则", "categories": ["weather"]},
        (422, "invalid_input", "match.categories"),
    ),
    "a priority that is no number": (
        {"name": "新规则", "priority": "高"},
        {"name": "新规则", "priority": "高"},
        (422, "invalid_input", None),
    ),
}


@pytest.mark.parametrize("case", sorted(RULES))
def test_an_invalid_routing_rule_is_refused_alike(client: TestClient, admin: dict[str, str], case: str) -> None:
    body, form, expected = RULES[case]
    api = client.post("/api/routing/rules", headers=admin, json=body)
    web = _post_page(client, "/admin/routing", "/admin/routing", {"enabled": "1", **form})
    status, code, field = expected
    assert _api_refusal(api)[:2] == (status, code), api.text
    assert _web_refusal(web)[:2] == (status, code), web.text[:2000]
    if field is not None:
        assert _api_refusal(api)[2] == _web_refusal(web)[2] == field
    assert "新规则" not in {rule["name"] for rule in client.get("/api/routing/rules", headers=admin).json()}


CHANNELS: dict[str, tuple[dict[str, Any], dict[str, Any], tuple[int, str, str | None]]] = {
    "a webhook that is no web address": (
        {"name": "平台", "kind": "webhook", "config": {"url": "ftp://x"}},
        {"name": "平台", "kind": "webhook", "url": "ftp://x"},
        (422, "invalid_input", "config.url"),
    ),
    "a mailing list without addresses": (
        {"name": "邮件组", "kind": "email", "config": {"to": []}},
        {"name": "邮件组", "kind": "email", "to": ""},
        (422, "invalid_input", "config.to"),
    ),
    "a kind that does not exist": (
        {"name": "短信", "kind": "sms", "config": {"url": "http://127.0.0.1/x"}},
        {"name": "短信", "kind": "sms", "url": "http://127.0.0.1/x"},
        (422, "invalid_input", None),
    ),
    "a section that does not exist": (
        {"name": "科室群", "kind": "wecom", "config": {"url": "http://127.0.0.1/x"}, "section_id": 999999},
        {"name": "科室群", "kind": "wecom", "url": "http://127.0.0.1/x", "section_id": "999999"},
        (422, "invalid_input", "section_id"),
    ),
    "an event kind that does not exist": (
        {"name": "群", "kind": "wecom", "config": {"url": "http://127.0.0.1/x"}, "events": ["alert.party"]},
        {"name": "群", "kind": "wecom", "url": "http://127.0.0.1/x", "events": ["alert.party"]},
        (422, "invalid_input", "events"),
    ),
}


@pytest.mark.parametrize("case", sorted(CHANNELS))
def test_an_invalid_channel_is_refused_alike(client: TestClient, admin: dict[str, str], case: str) -> None:
    body, form, expected = CHANNELS[case]
    api = client.post("/api/notifications/channels", headers=admin, json=body)
    web = _post_page(client, "/admin/channels", "/admin/channels", {"enabled": "1", **form})
    status, code, field = expected
    assert _api_refusal(api)[:2] == (status, code), api.text
    assert _web_refusal(web)[:2] == (status, code), web.text[:2000]
    if field is not None:
        assert _api_refusal(api)[2] == _web_refusal(web)[2] == field
    assert client.get("/api/notifications/channels", headers=admin).json() == []


def test_a_channel_name_taken_is_a_conflict_from_both(client: TestClient, admin: dict[str, str]) -> None:
    channel = {"name": "值班群", "kind": "wecom", "config": {"url": "http://127.0.0.1:9/hook"}}
    assert client.post("/api/notifications/channels", headers=admin, json=channel).status_code == 201
    api = client.post("/api/notifications/channels", headers=admin, json=channel)
    web = _post_page(
        client, "/admin/channels", "/admin/channels", {"name": "值班群", "kind": "wecom", "url": "http://127.0.0.1:9/x"}
    )
    assert _api_refusal(api) == _web_refusal(web) == (409, "conflict", "name")


def test_a_channel_saved_on_the_page_keeps_its_secret_and_is_what_the_api_shows(
    client: TestClient, admin: dict[str, str]
) -> None:
    form = {"name": "平台", "kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s3", "enabled": "1"}
    saved = _post_page(client, "/admin/channels", "/admin/channels", form)
    assert saved.status_code == 303
    [shown] = client.get("/api/notifications/channels", headers=admin).json()
    assert shown["config"] == {"url": "http://127.0.0.1:9/hook", "secret": "******"} and shown["enabled"] is True
    # Sent back as shown, the secret stays; the API then sees the change made on the page.
    again = _post_page(
        client,
        "/admin/channels",
        f"/admin/channels?edit={shown['id']}",
        {**form, "id": str(shown["id"]), "secret": "******", "name": "平台2"},
    )
    assert again.status_code == 303
    from alerts.notify.models import NotificationChannel
    from core.db import session_scope

    with session_scope() as session:
        channel = session.get(NotificationChannel, shown["id"])
        assert channel is not None and channel.name == "平台2" and channel.config["secret"] == "s3"


def _limit_fields(limits: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The SLA form's fields for ``limits`` (amounts as typed, units as chosen)."""
    fields: dict[str, str] = {}
    for name, limit in limits.items():
        fields[f"{name}_amount"] = str(limit["amount"])
        fields[f"{name}_unit"] = str(limit["unit"])
    return fields


WORKING_DAYS = "working_days"
POLICIES: dict[str, tuple[dict[str, dict[str, Any]], tuple[int, str, str | None]]] = {
    # case: (the limits sent by both, expected status, code, field; None where pydantic names it its own way)
    "no close limit": ({"ack": {"amount": 1, "unit": WORKING_DAYS}}, (422, "invalid_input", "limits.close")),
    "no sign-for limit": ({"close": {"amount": 10, "unit": WORKING_DAYS}}, (422, "invalid_input", "limits.ack")),
    "an amount that is no number": (
        {"ack": {"amount": "一天", "unit": WORKING_DAYS}, "close": {"amount": 10, "unit": WORKING_DAYS}},
        (422, "invalid_input", None),
    ),
    "an amount below zero": (
        {"ack": {"amount": -1, "unit": WORKING_DAYS}, "close": {"amount": 10, "unit": WORKING_DAYS}},
        (422, "invalid_input", None),
    ),
    "a unit that does not exist": (
        {"ack": {"amount": 1, "unit": "fortnights"}, "close": {"amount": 10, "unit": WORKING_DAYS}},
        (422, "invalid_input", None),
    ),
}


@pytest.mark.parametrize("case", sorted(POLICIES))
def test_an_invalid_sla_policy_is_refused_alike(client: TestClient, admin: dict[str, str], case: str) -> None:
    limits, expected = POLICIES[case]
    policies = client.get("/api/sla/policies", headers=admin).json()
    [policy] = [p for p in policies if p["name"] == "一般"]
    body = {key: value for key, value in policy.items() if key != "id"}
    api = client.put(f"/api/sla/policies/{policy['id']}", headers=admin, json={**body, "limits": limits})
    web = _post_page(client, f"/admin/sla/{policy['id']}", "/admin/sla", {"enabled": "1", **_limit_fields(limits)})
    status, code, field = expected
    assert _api_refusal(api)[:2] == (status, code), api.text
    assert _web_refusal(web)[:2] == (status, code), web.text[:2000]
    if field is not None:
        assert _api_refusal(api)[2] == _web_refusal(web)[2] == field
    # Nothing refused was saved by either.
    assert client.get("/api/sla/policies", headers=admin).json() == policies


def test_a_policy_changed_on_the_page_is_what_the_api_shows(client: TestClient, admin: dict[str, str]) -> None:
    [policy] = [p for p in client.get("/api/sla/policies", headers=admin).json() if p["name"] == "一般"]
    limits = {"ack": {"amount": 2, "unit": WORKING_DAYS}, "close": {"amount": 12, "unit": WORKING_DAYS}}
    saved = _post_page(client, f"/admin/sla/{policy['id']}", "/admin/sla", {"enabled": "1", **_limit_fields(limits)})
    assert saved.status_code == 303
    [shown] = [p for p in client.get("/api/sla/policies", headers=admin).json() if p["name"] == "一般"]
    # The page edits the limits and the switch; everything else the policy had is kept.
    assert shown == {**policy, "limits": limits, "enabled": True}
