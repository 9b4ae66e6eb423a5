"""Any news page: main text, title, author and time extracted without selectors (trafilatura)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import scrapy
from pydantic import field_validator
from scrapy.http import Response, TextResponse

from crawlers.extract import extract_article, select
from crawlers.items import PostItem
from crawlers.sources import Selector, SourceBase, StartUrls, check_selector
from crawlers.spiders.base import SourceSpider


class ArticleSource(SourceBase, StartUrls):
    """News pages: main text extracted without selectors; ``links`` finds articles on index pages."""

    kind: Literal["article"]
    links: Selector | None = None

    @field_validator("links")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return check_selector(value) if value is not None else None


class ArticleSpider(SourceSpider):
    """Each start URL is an article, or (with ``links``) an index page whose links are articles."""

    name = "article"
    source_schema = ArticleSource
    kinds = ("article",)

    @property
    def spec(self) -> ArticleSource:
        assert isinstance(self.source, ArticleSource)
        return self.source

    def first_requests(self) -> Iterator[scrapy.Request | None]:
        urls = list(self.params.get("urls") or self.spec.start_urls)
        for url in urls:
            callback = self.parse_index if self.spec.links else self.parse_article
            if callback == self.parse_article and self.is_known(url) and not self.params.get("urls"):
                self.count("seen")
                continue
            yield self.request(url, callback, kind="list" if self.spec.links else "page")

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        if not self.check_response(response):
            return
        assert self.spec.links is not None
        hrefs = [href.strip() for href in select(response, self.spec.links).getall() if href.strip()]
        new = 0
        for href in hrefs:
            url = response.urljoin(href)
            if self.is_known(url):
                continue
            new += 1
            request = self.request(url, self.parse_article)
            if request is not None:
                yield request
        self.stop_paging(found=len(hrefs), new=new, url=response.url)

    def parse_article(self, response: Response) -> Iterator[PostItem]:
        if not self.check_response(response):
            return
        if not isinstance(response, TextResponse):
            self.fail("not_a_page", response.url, "不是网页（无法读取正文）")
            return
        article = extract_article(response.text, url=response.url)
        published_at, raw_time = self.read_time(article.published_raw)
        yield self.item(
            response,
            url=response.url,
            title=article.title,
            content=article.text,
            author=article.author,
            published_at=published_at,
            published_at_raw=raw_time,
        )
