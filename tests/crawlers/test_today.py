"""Sources say why they collect nothing or read the wrong thing: robots.txt, anti-bot pages, cut texts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crawlers.helpers import crawl, posts_by_url
from tests.crawlers.site_server import SiteServer, serving

SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
BOARD = {
    "name": "board",
    "kind": "list_detail",
    "list": {"item": "ul.posts li", "link": "a.title::attr(href)"},
    "detail": {"title": "h1.title::text", "content": "div.content", "published_at": "div.meta span.time::text"},
}


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with serving() as server:
        yield server


def _health(name: str) -> tuple[str, str, str]:
    from sqlalchemy import select

    from core.db import session_scope
    from core.models import Source
    from crawlers.health import source_health

    with session_scope() as session:
        source = session.scalar(select(Source).where(Source.name == name))
        assert source is not None
        health = source_health(session, source=source)
        return health.status, health.label, health.message


@SQLITE_ONLY
def test_a_site_whose_robots_txt_refuses_us_says_so_in_health(db: str, queued_jobs: None, site: SiteServer) -> None:
    site.robots = "User-agent: *\nDisallow: /generic/\n"
    outcome = crawl({**BOARD, "start_urls": [f"{site.base_url}/generic/board/index.html"]})
    assert outcome.stored == 0 and outcome.errors.get("robots_forbidden", 0) >= 1, outcome
    status, label, message = _health("board")
    assert (status, label) == ("robots_blocked", "robots.txt 禁止") and "robots.txt 不允许" in message
    assert "/generic/board/index.html" in message


@SQLITE_ONLY
def test_tieba_anti_bot_page_is_an_error_not_an_empty_forum(db: str, queued_jobs: None, site: SiteServer) -> None:
    blocked = "<html><head><title>百度安全验证</title></head><body>网络不给力，请稍后重试</body></html>"
    site.override("/tieba/mo/q/m", 403, blocked.encode())
    outcome = crawl({"name": "tieba", "kind": "tieba", "forum": "青禾", "base_url": f"{site.base_url}/tieba"})
    assert outcome.status == "failed" and outcome.errors == {"anti_bot": 1}, outcome
    status, _label, message = _health("tieba")
    assert status == "failing" and "anti_bot" in message


@SQLITE_ONLY
def test_the_boards_pages_without_a_browser_keep_cut_text_and_health_says_so(
    db: str, queued_jobs: None, site: SiteServer
) -> None:
    # The current board renders messages by script: without a browser the page shows none, so the list's
    # text (cut at 100 characters) is all there is. It is kept, marked, and the source shows 解析异常.
    outcome = crawl(
        {
            "name": "liuyan",
            "kind": "people_liuyan",
            "fid": 9871,
            "max_pages": 1,
            "base_url": f"{site.base_url}/people_liuyan",
        }
    )
    assert outcome.status == "succeeded" and outcome.stored == 6, outcome
    posts = posts_by_url(site.base_url)
    cut = [post for post in posts.values() if post.extra.get("truncated")]
    assert len(cut) == 5 and all(post.content.endswith("...") for post in cut)  # one message is short enough
    status, label, message = _health("liuyan")
    assert (status, label) == ("degraded", "解析异常") and "正文被截断" in message
