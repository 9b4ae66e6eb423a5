"""The generic list → detail spider, driven entirely by a source's selectors."""

from __future__ import annotations

from collections.abc import Iterator

import scrapy
from scrapy.http import Response, TextResponse

from crawlers.extract import element_text, first_text, parse_count, select
from crawlers.items import PostItem
from crawlers.sources import ListDetailSource
from crawlers.spiders.base import SourceSpider


class ListDetailSpider(SourceSpider):
    """Follows list pages (with pagination) to detail pages and yields one item per detail page."""

    name = "list_detail"
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
