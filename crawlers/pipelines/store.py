"""Store an item as a Post (once per URL) and queue its analysis through the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import session_scope
from core.models import Source
from core.service import store_post
from crawlers.items import PostItem


class StorePipeline:
    """Writes each item in its own transaction, so a failure loses only that item."""

    def __init__(self) -> None:
        self._source_ids: dict[str, int | None] = {}

    def process_item(self, item: PostItem, spider: Any) -> PostItem:
        with session_scope() as session:
            if item.source not in self._source_ids:
                self._source_ids[item.source] = session.scalar(select(Source.id).where(Source.name == item.source))
            stored = store_post(
                session,
                url=item.url,
                title=item.title,
                content=item.content,
                source_id=self._source_ids[item.source],
                author=item.author,
                published_at=item.published_at,
                external_id=item.external_id,
                engagement=item.engagement,
                extra=item.extra,
            )
        spider.crawler.stats.inc_value("muqing/stored" if stored.created else "muqing/already_known")
        return item
