"""Run one crawl of one source in this process (``python -m crawlers.runner --run-id N``).

Scrapy's reactor cannot restart inside a process, so every crawl is a child process of its caller. The
child reads the run and its source, gives the spider what the source already has (for the incremental
stop) and the recent posts to re-check (for deletions), and writes the run's figures back.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
from datetime import timedelta
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy import func, select

from core.db import session_scope
from core.models import CrawlRun, Post, PostLink, PostSnapshot, Source
from core.posts import mark_deleted
from core.timeutil import utcnow
from crawlers import settings as crawler_settings
from crawlers.quality import Observer
from crawlers.sources import AnySource, parse_source
from crawlers.spiders import spider_classes

log = logging.getLogger(__name__)

KNOWN_LIMIT = 20_000


def scrapy_settings(overrides: dict[str, Any] | None = None, *, source: AnySource | None = None) -> Settings:
    """Our Scrapy settings, then the source's own politeness settings, then explicit overrides."""
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    if source is not None:
        per_source: dict[str, Any] = {"ROBOTSTXT_OBEY": source.obey_robots}
        if source.download_delay is not None:
            per_source["DOWNLOAD_DELAY"] = source.download_delay
        if source.concurrency_per_domain is not None:
            per_source["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.concurrency_per_domain
        if source.render == "browser":
            per_source.update(browser_settings())
        settings.setdict(per_source, priority="spider")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def browser_settings() -> dict[str, Any]:
    """Pages marked for the browser go through scrapy-playwright and the system Chromium (never a download)."""
    from core.config import get_settings

    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": get_settings().chromium_path,
            "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
    }


def _known(source_id: int) -> tuple[list[str], list[str]]:
    with session_scope() as session:
        rows = session.execute(
            select(Post.url, Post.external_id)
            .where(Post.source_id == source_id)
            .order_by(Post.id.desc())
            .limit(KNOWN_LIMIT)
        ).all()
        aliases = session.scalars(
            select(PostLink.url).where(PostLink.source_id == source_id, PostLink.url.is_not(None)).limit(KNOWN_LIMIT)
        ).all()
    urls = [url for url, _ in rows if url] + [url for url in aliases if url]
    ids = [external_id for _, external_id in rows if external_id]
    return urls, ids


def _recheck(source_id: int, spec: AnySource) -> list[dict[str, Any]]:
    """Recent posts of this source whose own page can be fetched again, least recently seen first."""
    if spec.recheck_days == 0 or spec.recheck_limit == 0:
        return []
    since = utcnow() - timedelta(days=spec.recheck_days)
    with session_scope() as session:
        rows = session.execute(
            select(Post.id, PostSnapshot.url, Post.title, func.length(Post.content))
            .join(PostSnapshot, PostSnapshot.post_id == Post.id)
            .where(
                Post.source_id == source_id,
                Post.deleted_at.is_(None),
                Post.fetched_at >= since,
                PostSnapshot.role == "page",
                PostSnapshot.url.is_not(None),
            )
            .order_by(Post.last_seen_at.asc().nullsfirst(), Post.id)
            .limit(spec.recheck_limit)
        ).all()
    seen: set[int] = set()
    entries = []
    for post_id, url, title, length in rows:
        if post_id not in seen:
            seen.add(post_id)
            entries.append({"post_id": post_id, "url": url, "title": title, "length": int(length or 0)})
    return entries


def run(run_id: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl the source of crawl run ``run_id`` and record its figures on the run."""
    overrides = dict(overrides or {})
    with session_scope() as session:
        crawl_run = session.get(CrawlRun, run_id)
        if crawl_run is None:
            raise SystemExit(f"crawl run {run_id} not found")
        source = session.get(Source, crawl_run.source_id)
        assert source is not None
        kind, config, params, source_id = source.kind, dict(source.config), dict(crawl_run.params), source.id
    spider_class = spider_classes().get(kind)
    if spider_class is None:
        raise SystemExit(f"no spider for source kind {kind!r}")
    spec = parse_source(config)
    now = overrides.pop("MUQING_NOW", None) or params.get("now")
    manual = bool(params.get("urls"))
    known_urls, known_ids = ([], []) if manual else _known(source_id)
    recheck = [] if manual else _recheck(source_id, spec)
    process = CrawlerProcess(scrapy_settings(overrides, source=spec))
    crawler = process.create_crawler(spider_class)
    process.crawl(
        crawler,
        source=config,
        known_urls=known_urls,
        known_ids=known_ids,
        recheck=recheck,
        now=now,
        params=params,
    )
    # What is loaded by now (modules, settings, the known URLs) lives as long as the crawl: keep it out of
    # the collector's full passes, which otherwise rescan all of it every few hundred pages.
    gc.freeze()
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    spider = crawler.spider
    _record(run_id, source_id, stats, spider)
    return stats


def _count(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key.removeprefix(prefix): int(value) for key, value in stats.items() if key.startswith(prefix)}


def _record(run_id: int, source_id: int, stats: dict[str, Any], spider: Any) -> None:
    drops = _count(stats, "muqing/dropped/")
    missing = _count(stats, "muqing/missing/")
    errors = _count(stats, "muqing/errors/")
    for key, value in stats.items():
        if key.startswith("spider_exceptions/"):
            errors["parse_error"] = errors.get("parse_error", 0) + int(value)
    found = int(stats.get("item_scraped_count", 0)) + sum(drops.values())
    noticed = utcnow()
    with session_scope() as session:
        crawl_run = session.get(CrawlRun, run_id)
        assert crawl_run is not None
        crawl_run.requests = int(stats.get("downloader/request_count", 0))
        crawl_run.items = max(found, int(stats.get("muqing/seen", 0)))
        crawl_run.stored = int(stats.get("muqing/stored", 0))
        crawl_run.duplicates = int(stats.get("muqing/linked", 0)) + int(stats.get("muqing/already_known", 0))
        crawl_run.errors = sum(errors.values())
        crawl_run.drops = {**drops, **{f"missing/{key}": value for key, value in missing.items()}}
        gone = list(getattr(spider, "gone", []))
        crawl_run.stats = {
            "seen": int(stats.get("muqing/seen", 0)),
            "scraped": int(stats.get("item_scraped_count", 0)),
            "already_known": int(stats.get("muqing/already_known", 0)),
            "linked": int(stats.get("muqing/linked", 0)),
            "errors": errors,
            "missing": missing,
            "retries": int(stats.get("muqing/retries", 0)),
            "redecoded_pages": int(stats.get("muqing/encoding/redecoded", 0)),
            "incremental_stop": int(stats.get("muqing/incremental_stop", 0)),
            "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
            "responses_by_status": _count(stats, "downloader/response_status_count/"),
            "bytes": int(stats.get("downloader/response_bytes", 0)),
            "rechecked": int(stats.get("muqing/recheck/fetched", 0)),
            "deleted": len(gone),
            "error_samples": list(getattr(spider, "error_samples", [])),
            "fatal": stats.get("muqing/fatal"),
            "quality": spider.quality.summary() if isinstance(getattr(spider, "quality", None), Observer) else {},
            "finish_reason": stats.get("finish_reason"),
        }
        for entry in gone:
            mark_deleted(session, post_id=entry["post_id"], noticed_at=noticed, why=entry["why"])
        source = session.get(Source, source_id)
        assert source is not None
        newest = session.scalar(select(func.max(Post.published_at)).where(Post.source_id == source_id))
        if newest is not None:
            source.watermark_at = newest


def main() -> None:
    """Command-line entry point for the child process."""
    parser = argparse.ArgumentParser(description="Run one crawl of one source")
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--settings", default="{}", help="JSON object of Scrapy setting overrides")
    args = parser.parse_args()
    run(args.run_id, json.loads(args.settings))


if __name__ == "__main__":
    main()
