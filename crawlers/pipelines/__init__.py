"""Item pipelines, one per file; every drop is counted in the crawl stats under ``muqing/dropped/<reason>``."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem


def drop(spider: Any, reason: str, detail: str) -> DropItem:
    """Count a drop by reason and return the DropItem to raise."""
    spider.crawler.stats.inc_value(f"muqing/dropped/{reason}")
    return DropItem(f"{reason}: {detail}")
