"""The crawler API the web pages build on: sources with health, runs, posts with evidence, manual intake."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.crawlers.helpers import crawl
from tests.crawlers.site_server import FIXTURES, SiteServer, serving
from tests.factories import make_user


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with serving() as server:
        yield server


@pytest.fixture
def users(client: TestClient) -> None:
    make_user("duty", "duty")
    make_user("leader", "leader")


def test_sources_runs_posts_and_evidence(
    queued_jobs: None, client: TestClient, login: Login, users: None, site: SiteServer
) -> None:
    outcome = crawl(
        {
            "name": "mailbox",
            "kind": "gov_mailbox",
            "start_urls": [f"{site.base_url}/gov_mailbox/hdjl/qzxx/index.html"],
            "max_pages": 1,
        }
    )
    assert outcome.stored == 5
    leader = login("leader")
    sources = client.get("/api/sources", headers=leader).json()["items"]
    assert [(s["name"], s["posts"], s["health"]["status"], s["health"]["blind"]) for s in sources] == [
        ("mailbox", 5, "ok", False)
    ]
    detail = client.get(f"/api/sources/{sources[0]['id']}", headers=leader).json()
    run = detail["recent_runs"][0]
    assert run["status"] == "succeeded" and run["stored"] == 5 and run["requests"] >= 6
    assert run["duration_seconds"] >= 0 and run["started_at"].endswith("+08:00")
    runs = client.get("/api/crawl-runs", params={"source_id": sources[0]["id"]}, headers=leader).json()
    assert runs["total"] == 1 and runs["items"][0]["source_name"] == "mailbox"

    listed = client.get("/api/posts", params={"source": "mailbox", "q": "养鸡场"}, headers=leader).json()
    assert listed["total"] == 1
    post = client.get(f"/api/posts/{listed['items'][0]['id']}", headers=leader).json()
    assert post["title"] == "双塘镇西岗村养鸡场鸡粪乱堆，苍蝇成群" and post["deleted"] is False
    assert post["published_at"] == "2026-03-16T09:12:45+08:00"
    evidence = post["evidence"][0]
    served = (FIXTURES / "gov_mailbox/hdjl/qzxx/202603/t20260316_5123456.html").read_bytes()
    assert evidence["sha256"] == hashlib.sha256(served).hexdigest() and evidence["encoding"] == "gb18030"
    checked = client.get(f"/api/posts/{post['id']}/evidence/{evidence['id']}", headers=leader).json()
    assert checked["verified"] is True
    shown = client.get(evidence["raw_url"], headers=leader)
    assert shown.headers["content-type"].startswith("text/plain") and "鸡粪" in shown.text
    # The original bytes are a reveal of personal data, logged in a case's audit log: without a case nobody
    # downloads them (the stored bytes are still checked against their hash above).
    for role in ("leader", "duty"):
        refused = client.get(evidence["raw_url"], params={"download": True}, headers=login(role))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

    assert client.post(f"/api/sources/{sources[0]['id']}/crawl", headers=leader).status_code == 403


def test_manual_intake_by_text_url_and_import(
    queued_jobs: None, client: TestClient, login: Login, users: None, site: SiteServer
) -> None:
    duty = login("duty")
    pasted = client.post(
        "/api/posts/intake/text",
        headers=duty,
        json={
            "title": "电话反映：村里死猪没人收",
            "content": "群众来电反映白沙镇有死猪丢在路边。",
            "published_at": "昨天 14:20",
        },
    )
    assert pasted.status_code == 201, pasted.text
    post = client.get(f"/api/posts/{pasted.json()['post_id']}", headers=duty).json()
    assert post["source_name"] == "manual" and post["evidence"][0]["role"] == "pasted"
    assert post["published_at"].endswith("14:20:00+08:00")
    unreadable = client.post("/api/posts/intake/text", headers=duty, json={"content": "x", "published_at": "某日"})
    assert unreadable.status_code == 422 and unreadable.json()["details"]["field"] == "published_at"

    url = f"{site.base_url}/generic/news/n1.html"
    added = client.post("/api/posts/intake/url", headers=duty, json={"url": url})
    assert added.status_code == 201, added.text
    post = client.get(f"/api/posts/{added.json()['post_id']}", headers=duty).json()
    assert post["title"] == "青禾区启动春季动物疫病集中免疫" and post["evidence"][0]["url"] == url
    again = client.post("/api/posts/intake/url", headers=duty, json={"url": url + "?utm_source=wechat"})
    assert again.status_code == 200 and again.json() == {**added.json(), "outcome": "known", "run_id": None}
    missing = client.post("/api/posts/intake/url", headers=duty, json={"url": f"{site.base_url}/nowhere.html"})
    assert missing.status_code == 422

    csv_file = "工单编号,标题,主要内容,来电时间\nA-1,养猪场臭,臭味很大,2026/3/1 8:00\nA-2,,,2026/3/1 9:00\n".encode()
    files = {"file": ("orders.csv", io.BytesIO(csv_file), "text/csv")}
    imported = client.post("/api/posts/import", headers=duty, files=files)
    assert imported.status_code == 200, imported.text
    body = imported.json()
    assert len(body.pop("alert_ids")) == 1  # the imported work order is a case at once
    assert body == {
        "source": "hotline-12345",
        "imported": 1,
        "unchanged": 0,
        "errors": [{"row": 3, "reason": "标题和内容都为空"}],
    }
    mappings = client.get("/api/posts/import/mappings", headers=duty).json()
    assert "beijing12345" in [mapping["name"] for mapping in mappings]
    openapi = client.get("/api/openapi.json").json()
    assert {"/api/posts/intake/url", "/api/posts/import", "/api/sources", "/api/crawl-runs"} <= set(openapi["paths"])
