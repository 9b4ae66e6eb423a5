"""Clean an item: normalise text, require a title or content, read the publication time."""

from __future__ import annotations

import re
from typing import Any

from core.timeutil import local_zone
from crawlers.dates import parse_published
from crawlers.items import PostItem
from crawlers.pipelines import drop

_BLANK_LINES = re.compile(r"\n\s*\n+")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def normalise(text: str) -> str:
    """Collapse runs of spaces and blank lines."""
    return _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip()


class CleanPipeline:
    """Drops items without text; a date that cannot be read is kept as missing, with a counted reason."""

    def process_item(self, item: PostItem, spider: Any) -> PostItem:
        item.title = normalise(item.title)
        item.content = normalise(item.content)
        if not item.title and not item.content:
            raise drop(spider, "empty_text", item.url)
        if not item.title:
            spider.crawler.stats.inc_value("muqing/missing/title")
        if item.published_at is None and item.published_at_raw:
            item.published_at = parse_published(item.published_at_raw, zone=local_zone())
            if item.published_at is None:
                spider.crawler.stats.inc_value("muqing/missing/published_at_unreadable")
                spider.logger.warning("unreadable date %r at %s", item.published_at_raw, item.url)
        elif item.published_at is None:
            spider.crawler.stats.inc_value("muqing/missing/published_at")
        return item
