"""The generic list → detail spider, driven entirely by a source's selectors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

import scrapy
from pydantic import Field, field_validator
from scrapy.http import Response, TextResponse

from crawlers.extract import element_text, first_text, parse_count, select
from crawlers.items import PostItem
from crawlers.sources import Selector, SourceBase, Spec, StartUrls, check_selector
from crawlers.spiders.base import SourceSpider


class ListSpec(Spec):
    """How to read a list page: the items, each item's link, the next page; optional list-level fields."""

    item: Selector
    link: Selector
    next_page: Selector | None = None
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5
    title: Selector | None = None
    published_at: Selector | None = None
    author: Selector | None = None

    @field_validator("item", "link", "next_page", "title", "published_at", "author")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return check_selector(value) if value is not None else None


class DetailSpec(Spec):
    """How to read a detail page; ``content`` selects an element whose text (without markup) is extracted."""

    title: Selector
    content: Selector
    published_at: Selector | None = None
    author: Selector | None = None
    engagement: dict[Literal["reads", "likes", "comments", "reposts"], Selector] = Field(default_factory=dict)

    @field_validator("title", "content", "published_at", "author")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return check_selector(value) if value is not None else None

    @field_validator("engagement")
    @classmethod
    def _engagement(cls, value: dict[str, str]) -> dict[str, str]:
        return {key: check_selector(query) for key, query in value.items()}


class ListDetailSource(SourceBase, StartUrls):
    """List pages → detail pages, driven by selectors."""

    kind: Literal["list_detail"]
    list: ListSpec
    detail: DetailSpec


class ListDetailSpider(SourceSpider):
    """Follows list pages (with pagination) to detail pages and yields one item per detail page."""

    name = "list_detail"
    source_schema = ListDetailSource
    kinds = ("list_detail",)

    @property
    def spec(self) -> ListDetailSource:
        assert isinstance(self.source, ListDetailSource)
        return self.source

    def first_requests(self) -> Iterator[scrapy.Request | None]:
        for url in self.spec.start_urls:
            yield self.request(url, self.parse_list, cb_kwargs={"page": 1}, kind="list")

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        if not self.check_response(response):
            return
        spec = self.spec.list
        items = select(response, spec.item)
        if not items:
            self.fail("list_without_items", response.url, f"列表选择器 {spec.item!r} 没有选中任何条目")
        new = 0
        for item in items:
            href = select(item, spec.link).get()
            if not href or not href.strip():
                self.count("dropped/list_item_without_link")
                continue
            url = response.urljoin(href.strip())
            if self.is_known(url):
                continue
            new += 1
            hints = {
                "title": first_text(item, spec.title),
                "published_at": first_text(item, spec.published_at),
                "author": first_text(item, spec.author),
            }
            request = self.request(url, self.parse_detail, cb_kwargs={"hints": hints})
            if request is not None:
                yield request
        if self.stop_paging(found=len(items), new=new, url=response.url):
            return
        if spec.next_page and page < spec.max_pages:
            next_href = select(response, spec.next_page).get()
            if next_href and next_href.strip():
                request = self.request(
                    response.urljoin(next_href.strip()), self.parse_list, cb_kwargs={"page": page + 1}, kind="list"
                )
                if request is not None:
                    yield request

    def parse_detail(self, response: Response, hints: dict[str, str | None]) -> Iterator[PostItem]:
        if not self.check_response(response):
            return
        spec = self.spec.detail
        engagement = {key: parse_count(first_text(response, query)) for key, query in spec.engagement.items()}
        published_at, raw_time = self.read_time(first_text(response, spec.published_at), hints.get("published_at"))
        yield self.item(
            response,
            url=response.url,
            title=element_text(select(response, spec.title)) or hints.get("title") or "",
            content=element_text(select(response, spec.content)),
            author=first_text(response, spec.author) or hints.get("author"),
            published_at=published_at,
            published_at_raw=raw_time,
            engagement=engagement,
        )

    def reparse(self, response: TextResponse) -> str | None:
        """The detail page's text as the content selector reads it today."""
        return element_text(select(response, self.spec.detail.content))
