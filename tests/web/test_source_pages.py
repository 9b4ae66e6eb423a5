"""The check of issue 16: a source added on the admin page alone (no file) against a site it has never seen
crawls correctly; the site then changes its layout so that content comes back cut, and within one crawl the
dashboard shows 解析异常 for that source, naming what changed, and the admins are told."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.crawlers.site_server import SiteServer, serving
from tests.factories import make_user
from tests.web.helpers import csrf_of, post_form, sign_in

BODY = (
    "{town}的{farm}养猪场这两个月一直往村外的沟里排放粪水，沟水发黑发臭，下游几户人家的井水也有了异味。"
    "我们去找过场里的人，他们说已经在建沼气池，可是到现在也没见动工。天一热苍蝇成群，孩子上学都要绕路走。"
    "希望畜牧和环保部门到现场看一看，督促养殖场尽快把粪污处理设施建起来，也请告诉我们该向哪个部门反映。"
)
TOWNS = ("柳河镇", "石桥镇", "白沙镇", "龙泉镇", "双塘镇", "马坊镇")


def _write_site(root: Path, *, posts: range, cut: bool) -> None:
    """A small county board: a list page and one page per post; ``cut`` pages show only an excerpt."""
    board = root / "countyboard"
    (board / "t").mkdir(parents=True, exist_ok=True)
    items = "\n".join(
        f'<li class="topic"><a href="t/{n}.html">{TOWNS[n % 6]}养殖场排污问题（{n}）</a></li>' for n in posts
    )
    (board / "index.html").write_text(
        f'<html><head><meta charset="utf-8"><title>民生论坛</title></head><body><ul class="topics">{items}</ul>'
        "</body></html>",
        encoding="utf-8",
    )
    for n in posts:
        text = BODY.format(town=TOWNS[n % 6], farm=f"第{n}")
        shown = text[:40] + "...<a href='#'>展开全文</a>" if cut else text
        (board / "t" / f"{n}.html").write_text(
            f'<html><head><meta charset="utf-8"><title>帖子</title></head><body>'
            f'<h1 class="subject">{TOWNS[n % 6]}养殖场排污问题（{n}）</h1>'
            f'<span class="when">2026-03-{10 + n:02d} 09:30</span>'
            f'<div class="post-body"><p>{shown}</p></div></body></html>',
            encoding="utf-8",
        )


@pytest.fixture
def unseen_site(tmp_path: Path) -> Iterator[tuple[SiteServer, Path]]:
    _write_site(tmp_path, posts=range(1, 5), cut=False)
    with serving(tmp_path) as server:
        yield server, tmp_path


def _source_page_form(client: TestClient, base: str) -> dict[str, str | list[str]]:
    return {
        "name": "county-board",
        "title": "县民生论坛",
        "kind": "list_detail",
        "interval_minutes": "60",
        "start_urls": f"{base}/countyboard/index.html",
        "list_item": "ul.topics li.topic",
        "list_link": "a::attr(href)",
        "detail_title": "h1.subject::text",
        "detail_content": "div.post-body",
        "detail_published_at": "span.when::text",
        "relevance": "all",
        "render": "none",
        "enabled": "1",
        "obey_robots": "1",
    }


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_source_added_on_the_admin_page_crawls_then_a_cut_layout_shows_as_parse_trouble(
    client: TestClient, unseen_site: tuple[SiteServer, Path]
) -> None:
    from core.db import session_scope
    from core.models import Post, Source

    site, root = unseen_site
    make_user("admin", "admin")
    sign_in(client, "admin")
    form = _source_page_form(client, site.base_url)
    refused = client.post(
        "/admin/sources/new",
        data={**form, "detail_content": "div[", "csrf": csrf_of(client.get("/admin/sources/new").text)},
    )
    assert refused.status_code == 422 and "detail.content" in refused.text  # a bad selector is named, nothing saved
    page = post_form(client, "/admin/sources/new", form)
    assert "已创建" in page.text and "县民生论坛" in page.text  # type: ignore[attr-defined]
    with session_scope() as session:
        source_id = session.scalar(select(Source.id).where(Source.name == "county-board"))
    assert source_id is not None

    crawled = post_form(client, f"/admin/sources/{source_id}/crawl", {}, page=f"/admin/sources/{source_id}")
    assert "已开始抓取" in crawled.text  # type: ignore[attr-defined]
    with session_scope() as session:
        posts = {post.title: post.content for post in session.scalars(select(Post).where(Post.source_id == source_id))}
    assert len(posts) == 4 and all(len(text) > 120 and "展开全文" not in text for text in posts.values())
    assert client.get(f"/api/sources/{source_id}").status_code in (200, 401)
    assert "解析异常" not in client.get("/dashboard").text

    _write_site(root, posts=range(1, 7), cut=True)  # the site's new layout: excerpts only, two new posts
    post_form(client, f"/admin/sources/{source_id}/crawl", {}, page=f"/admin/sources/{source_id}")
    dashboard = client.get("/dashboard").text
    row = re.search(r"县民生论坛</td>\s*<td[^>]*>(.*?)</td>", dashboard, re.S)
    assert row is not None and "解析异常" in row.group(1), dashboard[-3000:]
    assert "正文" in row.group(1)  # the message names what changed (cut text, shorter than before)
    source_page = client.get(f"/admin/sources/{source_id}").text
    assert "解析异常" in source_page and "正文比入库时短" in source_page, source_page

    from alerts.notify.models import InboxItem, Notification
    from core.models import User

    with session_scope() as session:
        admin_id = session.scalar(select(User.id).where(User.username == "admin"))
        kinds = session.scalars(
            select(Notification.kind)
            .join(InboxItem, InboxItem.notification_id == Notification.id)
            .where(InboxItem.user_id == admin_id)
        ).all()
    assert "source.degraded" in kinds
