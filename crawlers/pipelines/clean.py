"""Clean an item: normalise text, require text (and a title where posts have one), read the time."""

from __future__ import annotations

from crawlers.extract import normalise_text
from crawlers.items import PostItem
from crawlers.pipelines import Pipeline, drop


def normalise(text: str) -> str:
    """Collapse runs of spaces and blank lines, drop zero-width characters."""
    return normalise_text(text)


class CleanPipeline(Pipeline):
    """Drops items without text; a date that cannot be read is kept as missing, with a counted reason."""

    def process_item(self, item: PostItem) -> PostItem:
        spider = self.spider
        item.title = normalise(item.title).replace("\n", " ")
        item.content = normalise(item.content)
        if item.author:
            item.author = normalise(item.author).replace("\n", " ")[:200] or None
        if not item.title and not item.content:
            raise drop(spider, "empty_text", item.url)
        if not item.title and item.title_required:
            raise drop(spider, "missing_title", item.url)
        if item.published_at is None:
            if item.published_at_raw:
                spider.crawler.stats.inc_value("muqing/missing/published_at_unreadable")
                spider.logger.warning("unreadable date %r at %s (kept as missing)", item.published_at_raw, item.url)
            else:
                spider.crawler.stats.inc_value("muqing/missing/published_at")
                spider.logger.warning("no date at %s (kept as missing)", item.url)
        return item
