"""The generic list → detail spider, driven entirely by a source's selectors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import Response

from crawlers.items import PostItem
from crawlers.sources import SourceSpec


def select(node: Selector | Response, query: str) -> SelectorList[Selector]:
    """CSS, or XPath when the query starts with ``/`` or ``(``."""
    return node.xpath(query) if query.lstrip().startswith(("/", "(")) else node.css(query)


def element_text(nodes: SelectorList[Selector]) -> str:
    """The visible text of selected elements (or the selected text nodes), whitespace-normalised."""
    parts: list[str] = []
    for node in nodes:
        texts = node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()
        parts.append(" ".join(text.strip() for text in (texts or [node.get()]) if text and text.strip()))
    return "\n".join(part for part in parts if part)


class ListDetailSpider(scrapy.Spider):
    """Follows list pages (with pagination) to detail pages and yields one item per detail page."""

    name = "list_detail"

    def __init__(self, source: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.source = SourceSpec.model_validate(json.loads(source))
        self.start_urls = self.source.start_urls

    async def start(self) -> Any:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_list, cb_kwargs={"page": 1})

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        spec = self.source.list
        items = select(response, spec.item)
        if not items:
            self.crawler.stats.inc_value("muqing/dropped/list_without_items")
            self.logger.warning("no list items at %s (selector %r)", response.url, spec.item)
        for item in items:
            href = select(item, spec.link).get()
            if href:
                yield response.follow(href.strip(), callback=self.parse_detail)
            else:
                self.crawler.stats.inc_value("muqing/dropped/list_item_without_link")
        if spec.next_page and page < spec.max_pages:
            next_href = select(response, spec.next_page).get()
            if next_href:
                yield response.follow(next_href.strip(), callback=self.parse_list, cb_kwargs={"page": page + 1})

    def parse_detail(self, response: Response) -> Iterator[PostItem]:
        spec = self.source.detail
        yield PostItem(
            url=response.url,
            source=self.source.name,
            title=element_text(select(response, spec.title)),
            content=element_text(select(response, spec.content)),
            author=element_text(select(response, spec.author)) or None if spec.author else None,
            published_at_raw=element_text(select(response, spec.published_at)) or None if spec.published_at else None,
        )
