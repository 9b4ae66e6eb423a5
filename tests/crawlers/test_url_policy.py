"""SSRF: one URL policy for every fetch a user can cause, checked on a real local server that counts its hits."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.receivers import http_receiver
from tests.conftest import Login
from tests.crawlers.helpers import FAST, crawl
from tests.crawlers.site_server import SiteServer, serving
from tests.factories import make_user

PAGE = "/generic/news/n1.html"
# The policy decides before anything is stored: the tests that crawl (a process each) run on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with serving() as server:
        yield server


@pytest.fixture
def office(client: TestClient) -> None:
    make_user("duty", "duty")
    make_user("admin", "admin")
    make_user("production-staff", "staff", "production")


def test_staff_may_not_add_posts_by_url_at_all(
    client: TestClient, login: Login, office: None, site: SiteServer
) -> None:
    refused = client.post(
        "/api/posts/intake/url", headers=login("production-staff"), json={"url": f"{site.base_url}{PAGE}"}
    )
    assert refused.status_code == 403
    assert site.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "[::ffff:127.0.0.1]"])
def test_duty_adding_a_loopback_url_is_refused_naming_the_rule_and_nothing_is_fetched(
    strict_url_policy: None, client: TestClient, login: Login, office: None, site: SiteServer, host: str
) -> None:
    url = f"{site.base_url}{PAGE}".replace("127.0.0.1", host)
    refused = client.post("/api/posts/intake/url", headers=login("duty"), json={"url": url})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "url_refused" and body["details"]["rule"] == "loopback" and body["details"]["field"] == "url"
    assert "loopback" in body["detail"]
    assert site.requests == []  # not even robots.txt
    assert client.get("/api/posts", headers=login("duty")).json()["total"] == 0


def test_a_name_that_resolves_to_a_private_address_is_refused_before_any_fetch(
    strict_url_policy: None, client: TestClient, login: Login, office: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def intranet(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "oa.intranet.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", intranet)
    duty = login("duty")
    # Only names and addresses that never leave this machine, even where the policy is missing.
    for url, rule in (("http://oa.intranet.test/notice.html", "private"), ("http://0.0.0.0:9/", "unspecified")):
        refused = client.post("/api/posts/intake/url", headers=duty, json={"url": url})
        assert refused.status_code == 422 and refused.json()["details"]["rule"] == rule, refused.text


@SQLITE_ONLY
def test_the_allow_list_lets_an_intranet_target_through(
    db: str, client: TestClient, login: Login, office: None, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import get_settings

    port = site.server_address[1]
    monkeypatch.setenv("MUQING_URL_ALLOW_LIST", f"127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        added = client.post("/api/posts/intake/url", headers=login("duty"), json={"url": f"{site.base_url}{PAGE}"})
        assert added.status_code == 201, added.text
        assert PAGE in site.requests
        elsewhere = {"url": f"http://127.0.0.1:{port + 1}/"}
        other = client.post("/api/posts/intake/url", headers=login("duty"), json=elsewhere)
        assert other.status_code == 422 and other.json()["details"]["rule"] == "loopback"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@SQLITE_ONLY
def test_a_redirect_to_a_refused_address_is_not_followed(
    db: str, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The allowed site answers with a redirect to another loopback port: that hop is refused."""
    with serving() as inner:
        monkeypatch.setenv("MUQING_URL_ALLOW_LIST", f"127.0.0.1:{site.server_address[1]}")
        site.override(PAGE, 302, headers={"Location": f"{inner.base_url}{PAGE}"})
        outcome = crawl(
            {"name": "hop", "kind": "article", "relevance": "all", "start_urls": [f"{site.base_url}{PAGE}"]},
            {"ROBOTSTXT_OBEY": False},
        )
        assert inner.requests == []
    assert outcome.stored == 0 and outcome.errors.get("url_policy") == 1, outcome


def test_source_preview_refuses_a_loopback_start_url_without_fetching(
    strict_url_policy: None, site: SiteServer
) -> None:
    from crawlers.preview import preview_source

    config = {"name": "local", "kind": "article", "relevance": "all", "start_urls": [f"{site.base_url}{PAGE}"]}
    preview = preview_source(config=config, scrapy_overrides=FAST)
    assert preview.items == [] and preview.error is not None and "loopback" in preview.error
    assert site.requests == []


def test_webhook_and_robot_urls_follow_the_policy_when_saved_and_when_sent(
    client: TestClient, login: Login, office: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alerts.notify.channels import Message, SendError
    from alerts.notify.channels.webhook import send
    from core.config import get_settings

    admin = login("admin")
    with http_receiver() as receiver:
        hook = {"name": "本机", "kind": "webhook", "config": {"url": f"{receiver.url}/hook"}}
        monkeypatch.setenv("MUQING_URL_ALLOW_LIST", "")
        get_settings.cache_clear()
        refused = client.post("/api/notifications/channels", headers=admin, json=hook)
        assert refused.status_code == 422 and refused.json()["details"] == {
            "field": "config.url",
            "rule": "loopback",
            "url": f"{receiver.url}/hook",
            "address": "127.0.0.1",
        }
        robot = {"name": "内网机器人", "kind": "wecom", "config": {"url": "http://192.168.3.4/cgi-bin/webhook/send"}}
        assert client.post("/api/notifications/channels", headers=admin, json=robot).json()["details"]["rule"] == (
            "private"
        )
        message = Message(delivery_id=1, kind="test", title="t", text="t", markdown="t")
        with pytest.raises(SendError) as failed:
            send({"url": f"{receiver.url}/hook"}, message)
        assert failed.value.permanent and "loopback" in str(failed.value)
        assert receiver.requests == []
        monkeypatch.undo()
        get_settings.cache_clear()
        send({"url": f"{receiver.url}/hook"}, message)  # allowed again by the test settings
        assert len(receiver.on("/hook")) == 1
