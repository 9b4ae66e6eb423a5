"""The relevance gate (``relevance: livestock`` or ``livestock_local``); ``all`` passes everything."""

from __future__ import annotations

from crawlers.items import PostItem
from crawlers.pipelines import Pipeline, drop
from crawlers.relevance import judge


class RelevancePipeline(Pipeline):
    """Drops posts the source does not want, counted by reason; never touches a source set to ``all``."""

    def process_item(self, item: PostItem) -> PostItem:
        spider = self.spider
        relevance = getattr(getattr(spider, "source", None), "relevance", "all")
        if relevance == "all" or item.extra.get("refresh_only"):
            return item
        reason = judge(f"{item.title}\n{item.content}", relevance=relevance)
        if reason is not None:
            raise drop(spider, reason, f"{item.url} {item.title[:30]}")
        return item
