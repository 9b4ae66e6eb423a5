"""Preview a source (试抓): its first page fetched and parsed over real HTTP, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.crawlers.helpers import FAST
from tests.crawlers.site_server import serving


def _board(base: str) -> dict[str, object]:
    return {
        "name": "board",
        "kind": "list_detail",
        "relevance": "livestock",
        "start_urls": [f"{base}/generic/board/index.html"],
        "list": {"item": "ul.posts li", "link": "a.title::attr(href)", "next_page": "a.next::attr(href)"},
        "detail": {
            "title": "h1.title::text",
            "content": "div.content",
            "published_at": "div.meta span.time::text",
            "author": "div.meta span.author::text",
        },
    }


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_preview_parses_the_first_page_and_stores_nothing(db: str) -> None:
    from core.db import session_scope
    from core.models import CrawlRun, Post
    from crawlers.preview import preview_source

    with serving() as site:
        result = preview_source(config=_board(site.base_url), limit=3, scrapy_overrides=FAST)
        requested = list(site.requests)
    assert result.error is None, result.error
    assert 1 <= len(result.items) <= 3
    for item in result.items:
        assert item.url.startswith(site.base_url) and item.title and item.content
    assert any(item.published_at is not None for item in result.items)
    assert not any("/generic/board/page/" in path for path in requested)  # the first list page only
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 0
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 0


def test_preview_of_a_dead_site_says_why() -> None:
    from crawlers.preview import preview_source

    with serving() as site:
        site.override("/generic/board/index.html", 404)
        result = preview_source(config=_board(site.base_url), limit=3, scrapy_overrides=FAST)
    assert result.items == [] and result.errors.get("not_found", 0) >= 1


def test_preview_of_a_malformed_source_says_what_is_wrong() -> None:
    from crawlers.preview import preview_source

    result = preview_source(config={"name": "broken", "kind": "list_detail"})
    assert result.items == [] and result.error is not None and "来源配置有误" in result.error
