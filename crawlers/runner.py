"""Run one crawl of one source in this process (``python -m crawlers.runner --run-id N``).

Scrapy's reactor cannot restart inside a process, so every crawl is a child process of its caller.
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from core.db import session_scope
from core.models import CrawlRun, Source
from crawlers import settings as crawler_settings
from crawlers.spiders.list_detail import ListDetailSpider

SPIDERS: dict[str, type[Any]] = {"list_detail": ListDetailSpider}


def scrapy_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Our Scrapy settings with optional overrides."""
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def run(run_id: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl the source of crawl run ``run_id`` and record its stats on the run."""
    with session_scope() as session:
        crawl_run = session.get(CrawlRun, run_id)
        if crawl_run is None:
            raise SystemExit(f"crawl run {run_id} not found")
        source = session.get(Source, crawl_run.source_id)
        assert source is not None
        kind, config = source.kind, dict(source.config)
    spider_class = SPIDERS.get(kind)
    if spider_class is None:
        raise SystemExit(f"no spider for source kind {kind!r}")
    process = CrawlerProcess(scrapy_settings(overrides), install_root_handler=True)
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler, source=json.dumps(config, ensure_ascii=False))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    drops = {key.split("/", 2)[2]: value for key, value in stats.items() if key.startswith("muqing/dropped/")}
    missing = {key: value for key, value in stats.items() if key.startswith("muqing/missing/")}
    with session_scope() as session:
        crawl_run = session.get(CrawlRun, run_id)
        assert crawl_run is not None
        crawl_run.requests = int(stats.get("downloader/request_count", 0))
        crawl_run.items = int(stats.get("item_scraped_count", 0)) + sum(drops.values())
        crawl_run.stored = int(stats.get("muqing/stored", 0))
        crawl_run.errors = int(stats.get("log_count/ERROR", 0)) + int(stats.get("spider_exceptions", 0) or 0)
        crawl_run.drops = {**drops, **missing}
    return stats


def main() -> None:
    """Command-line entry point for the child process."""
    parser = argparse.ArgumentParser(description="Run one crawl of one source")
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--settings", default="{}", help="JSON object of Scrapy setting overrides")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    run(args.run_id, json.loads(args.settings))


if __name__ == "__main__":
    main()
