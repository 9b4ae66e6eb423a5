"""Item pipelines, one per file; every drop is counted in the crawl stats under ``muqing/dropped/<reason>``."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem


def drop(spider: Any, reason: str, detail: str) -> DropItem:
    """Count a drop by reason and return the DropItem to raise."""
    spider.crawler.stats.inc_value(f"muqing/dropped/{reason}")
    return DropItem(f"{reason}: {detail}")


class Pipeline:
    """Base: keeps the crawler (Scrapy passes no spider to pipeline methods any more)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> Any:
        """Scrapy's constructor hook."""
        return cls(crawler)

    @property
    def spider(self) -> Any:
        """The running spider."""
        return self.crawler.spider
