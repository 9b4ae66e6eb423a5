"""Who sees which posts and stored pages: role × endpoint × section, the same on every page and endpoint.

Five posts: one of a case 畜牧生产科 leads, one of a case 畜产品质量安全科 leads with 畜牧生产科 co-handling,
one of a case only 畜产品质量安全科 handles, one that belongs to no case, and a hand-entered 依申请公开
request (办公室). Duty, leadership and admins see all five; section staff and heads see the posts of the cases
their section leads or co-handles, and nothing else, whichever way they ask. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.web.helpers import sign_in

POSTS = {
    "own": ("东岭村养殖场粪污直排", "pollution"),
    "cohandled": ("西岭村养殖场病死猪流入市场", "product_safety"),
    "other": ("南岭村养殖场私屠滥宰", "slaughter"),
    "loose": ("北岭村养殖场新建沼气池", None),
}
HAND = ("中岭村养殖场补贴名单公开申请", "申请公开中岭村养殖场补贴名单，联系电话13912345678。")
EVERYTHING = {"own", "cohandled", "other", "loose", "hand"}
VISIBLE = {
    "duty": EVERYTHING,
    "leader": EVERYTHING,
    "admin": EVERYTHING,
    "production-staff": {"own", "cohandled"},
    "production-head": {"own", "cohandled"},
    "quality-staff": {"cohandled", "other"},
    "quality-head": {"cohandled", "other"},
    "office-staff": {"hand"},
}


@dataclass(slots=True)
class World:
    """The posts by key, and the stored page (存证) of each post that has one."""

    posts: dict[str, int]
    snapshots: dict[str, int]


def build() -> World:
    from alerts.cases.flows import raise_alert
    from alerts.cases.intake import open_case
    from alerts.cases.models import AlertCoSection
    from core.db import session_scope
    from core.posts import EvidenceIn
    from core.service import get_section_by_code, store_post
    from tests.factories import get_user, label_post

    posts: dict[str, int] = {}
    snapshots: dict[str, int] = {}
    for key, (title, category) in POSTS.items():
        with session_scope() as session:
            page = f"<html><body><h1>{title}</h1></body></html>".encode()
            url = f"https://board.example.org/{key}"
            stored = store_post(
                session, url=url, title=title, content=f"{title}，请处理。", evidence=EvidenceIn(body=page, url=url)
            )
            label_post(session, post=stored.post, category=category or "other", needs_response=category is not None)
            posts[key], snapshots[key] = stored.post.id, stored.post.snapshots[0].id
        if category is not None:
            with session_scope() as session:
                alert = raise_alert(session, post_id=posts[key])
                assert alert is not None
                if key == "cohandled":
                    production = get_section_by_code(session, code="production")
                    alert.co_sections = [AlertCoSection(section_id=production.id)]
    with session_scope() as session:
        case = open_case(
            session,
            actor=session.merge(get_user("duty")),
            kind="info_request",
            title=HAND[0],
            content=HAND[1],
            category="conduct",
            requester={"name": "李四", "phone": "13912345678"},
            channel="信函",
        )
        posts["hand"] = case.links[0].post_id
    return World(posts=posts, snapshots=snapshots)


@pytest.fixture
def world(client: TestClient, people: None) -> World:
    from tests.factories import make_user

    make_user("admin", "admin")
    make_user("quality-head", "head", "quality")
    make_user("office-staff", "staff", "office")
    return build()


Probe = Callable[[TestClient, dict[str, str], World], set[str]]


def _status(client: TestClient, auth: dict[str, str], world: World, path: str) -> set[str]:
    seen = set()
    for key, post_id in world.posts.items():
        snapshot = world.snapshots.get(key)
        if "{snapshot}" in path and snapshot is None:
            continue
        response = client.get(path.format(post=post_id, snapshot=snapshot), headers=auth)
        assert response.status_code in (200, 404), (path, response.status_code, response.text)
        if response.status_code == 200:
            seen.add(key)
    return seen


def api_list(client: TestClient, auth: dict[str, str], world: World) -> set[str]:
    items = client.get("/api/posts", params={"limit": 500}, headers=auth).json()["items"]
    ids = {item["id"] for item in items}
    searched = client.get("/api/posts", params={"q": "养殖场"}, headers=auth).json()["items"]
    assert {item["id"] for item in searched} == ids
    return {key for key, post_id in world.posts.items() if post_id in ids}


def api_search(client: TestClient, auth: dict[str, str], world: World) -> set[str]:
    body = client.get("/api/search", params={"q": "养殖场", "size": 100, "aggs": "true"}, headers=auth).json()
    ids = {hit["post_id"] for hit in body["hits"]}
    assert body["total"] == len(ids)
    assert sum(bucket["count"] for bucket in body["aggregations"]["by_category"]) <= len(ids)
    return {key for key, post_id in world.posts.items() if post_id in ids}


def web_search(client: TestClient, auth: dict[str, str], world: World) -> set[str]:
    page = client.get("/search", params={"q": "养殖场"})
    assert page.status_code == 200
    titles = {**{key: title for key, (title, _) in POSTS.items()}, "hand": HAND[0]}
    return {key for key, title in titles.items() if title[:3] in page.text}


ENDPOINTS: dict[str, Probe] = {
    "GET /api/posts": api_list,
    "GET /api/posts/{id}": lambda c, a, w: _status(c, a, w, "/api/posts/{post}"),
    "GET /api/posts/{id}/evidence": lambda c, a, w: _status(c, a, w, "/api/posts/{post}/evidence"),
    "GET /api/posts/{id}/evidence/{sid}": lambda c, a, w: _status(c, a, w, "/api/posts/{post}/evidence/{snapshot}"),
    "GET /api/posts/{id}/evidence/{sid}/raw": lambda c, a, w: _status(
        c, a, w, "/api/posts/{post}/evidence/{snapshot}/raw"
    ),
    "GET /api/search": api_search,
    "GET /search (page)": web_search,
    "GET /posts/{id}/evidence/{sid} (page)": lambda c, a, w: _status(c, a, w, "/posts/{post}/evidence/{snapshot}"),
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_each_role_sees_the_posts_of_its_sections_cases_on_every_endpoint(
    client: TestClient, login: Login, world: World, endpoint: str
) -> None:
    probe = ENDPOINTS[endpoint]
    seen: dict[str, set[str]] = {}
    for username in VISIBLE:
        client.cookies.clear()
        sign_in(client, username)
        seen[username] = probe(client, login(username), world)
    expected = {
        username: keys & (set(world.snapshots) if "{sid}" in endpoint else EVERYTHING)
        for username, keys in VISIBLE.items()
    }
    assert seen == expected, endpoint


def test_a_hand_entered_request_is_only_for_those_who_may_see_its_case(
    client: TestClient, login: Login, world: World
) -> None:
    hand = world.posts["hand"]
    for username in ("production-staff", "quality-head"):
        auth = login(username)
        assert client.get(f"/api/posts/{hand}", headers=auth).status_code == 404
        assert client.post(f"/api/posts/{hand}/reveal", headers=auth).status_code == 404
        assert client.get("/api/search", params={"q": "13912345678"}, headers=auth).json()["total"] == 0
    office = login("office-staff")
    shown = client.get(f"/api/posts/{hand}", headers=office).json()
    assert "139****5678" in shown["content"] and "13912345678" not in shown["content"]
    assert "13912345678" in client.post(f"/api/posts/{hand}/reveal", headers=office).json()["content"]
