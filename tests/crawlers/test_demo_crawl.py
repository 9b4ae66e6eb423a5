"""Crawling the demo board over real HTTP with the real spider, in a child process."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from core.db import session_scope
from core.models import CrawlRun, Post, Source
from crawlers.demo.server import board, make_server, source_spec
from crawlers.service import crawl_source, sync_sources
from crawlers.sources import parse_source

# These tests are about collection: analysis jobs are queued, not run.
FAST = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "LOG_LEVEL": "WARNING"}


@pytest.fixture
def demo_site() -> Iterator[str]:
    server = make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _source(base_url: str, **changes: object) -> int:
    spec = {**source_spec(base_url), **changes}
    with session_scope() as session:
        return sync_sources(session, specs=[parse_source(spec)])[0].id


def test_crawl_stores_every_post_once_and_a_second_crawl_adds_nothing(queued_jobs: None, demo_site: str) -> None:
    source_id = _source(demo_site)
    first = crawl_source(source_id=source_id, scrapy_overrides=FAST)
    assert first.status == "succeeded", first.error
    expected = board()["posts"]
    assert first.stored == len(expected)
    with session_scope() as session:
        posts = {p.url: p for p in session.scalars(select(Post))}
        pig_farm = posts[f"{demo_site}/post/3101.html"]
        assert pig_farm.title == "柳河镇前进村养猪场臭味太大，晚上都不敢开窗"
        assert "宏旺生猪养殖场" in pig_farm.content and "<p>" not in pig_farm.content
        assert pig_farm.author == "前进村村民"
        assert pig_farm.published_at is not None and pig_farm.published_at.isoformat() == "2026-11-20T13:14:00+00:00"
        source = session.get(Source, source_id)
        assert source is not None and source.last_success_at is not None and source.consecutive_failures == 0
    second = crawl_source(source_id=source_id, scrapy_overrides=FAST)
    assert second.status == "succeeded" and second.stored == 0
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == len(expected)
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [run.stored for run in runs] == [len(expected), 0]
        assert all(run.finished_at is not None and run.requests > 0 for run in runs)


# Parsing alone (nothing is stored): SQLite only, like the spider tests of test_sites.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_page_without_text_is_dropped_with_its_reason_counted(db: str, queued_jobs: None, demo_site: str) -> None:
    broken_detail = {"title": "h2.missing", "content": "div.missing", "published_at": "span.time::text"}
    source_id = _source(demo_site, detail=broken_detail)
    outcome = crawl_source(source_id=source_id, scrapy_overrides=FAST)
    assert outcome.stored == 0
    assert outcome.drops.get("empty_text") == len(board()["posts"])


def test_an_unreachable_site_is_a_failed_run_and_counts_against_the_source(queued_jobs: None) -> None:
    source_id = _source("http://127.0.0.1:9", start_urls=["http://127.0.0.1:9/list_1.html"])
    outcome = crawl_source(source_id=source_id, scrapy_overrides={**FAST, "RETRY_TIMES": 0})
    assert outcome.status == "failed"
    with session_scope() as session:
        source = session.get(Source, source_id)
        assert source is not None and source.consecutive_failures == 1 and source.last_success_at is None
