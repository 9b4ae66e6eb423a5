"""Keyword news search (百度资讯 result layout): result blocks, then each article's page for the full text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import Field, field_validator
from scrapy import Request
from scrapy.http import Response, TextResponse

from crawlers.extract import extract_article, first_text
from crawlers.items import PostItem
from crawlers.sources import SourceBase, Url, check_url
from crawlers.spiders.base import SourceSpider

_RESULT = "div#content_left div.result-op, div#content_left div.result, div#content_left div.c-container"


class NewsSearchSource(SourceBase):
    """Keyword news search results (百度资讯 layout); each result's article is fetched and extracted."""

    kind: Literal["news_search"]
    keywords: Annotated[list[str], Field(min_length=1)]
    search_url: Url = "https://www.baidu.com/s?tn=news&rtt=1&bsst=1&cl=2&word={keyword}"
    page_size: Annotated[int, Field(ge=1)] = 10
    max_pages: Annotated[int, Field(ge=1, le=100)] = 2
    fetch_articles: bool = True

    @field_validator("search_url")
    @classmethod
    def _template(cls, value: str) -> str:
        if "{keyword}" not in value:
            raise ValueError("search_url 中必须有 {keyword} 占位符")
        check_url(value.replace("{keyword}", "x"))
        return value


class NewsSearchSpider(SourceSpider):
    """Per keyword: result pages (offset ``pn``) → article pages, extracted without selectors."""

    name = "news_search"
    source_schema = NewsSearchSource
    kinds = ("news_search",)

    @property
    def spec(self) -> NewsSearchSource:
        assert isinstance(self.source, NewsSearchSource)
        return self.source

    def first_requests(self) -> Iterator[Request | None]:
        for keyword in self.spec.keywords:
            yield self.results_request(keyword, 0)

    def results_request(self, keyword: str, page: int) -> Any:
        url = self.spec.search_url.replace("{keyword}", quote(keyword))
        url += f"&pn={page * self.spec.page_size}"
        return self.request(url, self.parse_results, cb_kwargs={"keyword": keyword, "page": page}, kind="list")

    def parse_results(self, response: Response, keyword: str, page: int) -> Iterator[Any]:
        if not self.check_response(response):
            return
        blocks = response.css(_RESULT)
        seen_blocks = set()
        new = 0
        for block in blocks:
            href = block.css("h3 a::attr(href)").get() or block.attrib.get("mu")
            if not href or href in seen_blocks:
                continue
            seen_blocks.add(href)
            url = response.urljoin(href.strip())
            if self.is_known(url):
                continue
            new += 1
            label = block.css("h3 a::attr(aria-label)").get() or ""
            result = {
                "title": label.removeprefix("标题：").strip() or first_text(block, "h3 a") or "",
                "summary": first_text(block, "span.c-color-text, div.c-abstract, span.content-right_8Zs40") or "",
                "source_name": first_text(block, "div.news-source span.c-gap-right, span.c-color-gray"),
                "shown_time": first_text(block, "div.news-source span.c-color-gray2, span.c-color-gray2"),
                "keyword": keyword,
            }
            if self.spec.fetch_articles:
                request = self.request(url, self.parse_article, cb_kwargs={"result": result, "results": response})
                if request is not None:
                    yield request
            else:
                yield self.result_item(response, url, result, role="list")
        if self.stop_paging(found=len(seen_blocks), new=new, url=response.url):
            return
        has_next = any("下一页" in (text or "") for text in response.css("div#page a::text").getall())
        if has_next and page + 1 < self.spec.max_pages:
            request = self.results_request(keyword, page + 1)
            if request is not None:
                yield request

    def result_item(self, response: Response, url: str, result: dict[str, Any], *, role: str) -> PostItem:
        published_at, raw_time = self.read_time(result["shown_time"])
        return self.item(
            response,
            url=url,
            role=role,
            title=result["title"],
            content=result["summary"],
            author=result["source_name"],
            published_at=published_at,
            published_at_raw=raw_time,
            extra={"keyword": result["keyword"], "shown_time": result["shown_time"]},
        )

    def parse_article(self, response: Response, result: dict[str, Any], results: Response) -> Iterator[PostItem]:
        if not isinstance(response, TextResponse) or not response.body.strip():
            self.fail("empty_response", response.url, "文章页为空，只保存搜索结果摘要")
            yield self.result_item(results, response.url, result, role="list")
            return
        article = extract_article(response.text, url=response.url)
        # The article's own time wins when it has a time of day; else the result's (often relative) time.
        article_time, article_raw = self.read_time(article.published_raw)
        shown_time, shown_raw = self.read_time(result["shown_time"])
        precise = article_raw is not None and ":" in article_raw.replace("：", ":")
        published_at, raw_time = (
            (article_time, article_raw) if article_time and (precise or not shown_time) else (shown_time, shown_raw)
        )
        yield self.item(
            response,
            url=response.url,
            title=result["title"] or article.title,
            content=article.text or result["summary"],
            author=result["source_name"] or article.author,
            published_at=published_at,
            published_at_raw=raw_time or article_raw,
            extra={
                "keyword": result["keyword"],
                "shown_time": result["shown_time"],
                "byline": article.author,
                "summary": result["summary"],
            },
        )
