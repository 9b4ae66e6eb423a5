"""RSS 2.0 and Atom feeds (feedparser); optionally each entry's page for the full text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import feedparser
from scrapy.http import Response, TextResponse

from crawlers.extract import extract_article, html_to_text
from crawlers.items import PostItem
from crawlers.sources import RssSource
from crawlers.spiders.base import SourceSpider


class RssSpider(SourceSpider):
    """One item per feed entry; raw date strings are read by our parser (zone-less means local time)."""

    name = "rss"
    kinds = ("rss",)

    @property
    def spec(self) -> RssSource:
        assert isinstance(self.source, RssSource)
        return self.source

    async def start(self) -> Any:
        for url in self.spec.start_urls:
            request = self.request(url, self.parse_feed, kind="list")
            if request is not None:
                yield request
        for request in self.recheck_requests():
            yield request

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if not self.check_response(response):
            return
        feed = feedparser.parse(response.body, response_headers={"content-location": response.url})
        if feed.bozo and not feed.entries:
            self.fail("malformed_feed", response.url, f"订阅源无法解析：{feed.get('bozo_exception')}")
            return
        if feed.bozo:
            self.fail("malformed_feed", response.url, f"订阅源有格式错误，已尽量读取：{feed.get('bozo_exception')}")
        new = 0
        for entry in feed.entries:
            guid = entry.get("id") or entry.get("guid")
            link = entry.get("link")
            url = response.urljoin(link) if link else f"{response.url}#{guid}"
            if self.is_known(url, external_id=guid):
                continue
            new += 1
            content = ""
            if entry.get("content"):
                content = html_to_text(entry.content[0].get("value", ""))
            content = content or html_to_text(entry.get("summary", "") or entry.get("description", ""))
            published_at, raw_time = self.read_time(entry.get("published"), entry.get("updated"))
            fields = {
                "title": html_to_text(entry.get("title", "")),
                "content": content,
                "author": entry.get("author") or feed.feed.get("author"),
                "published_at": published_at,
                "published_at_raw": raw_time,
                "external_id": guid,
                "extra": {"categories": [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")]},
            }
            if self.spec.fetch_full_text and link:
                request = self.request(url, self.parse_entry_page, cb_kwargs={"fields": fields, "feed": response})
                if request is not None:
                    yield request
            else:
                yield self.item(response, url=url, role="feed", keep_fragment=not link, **fields)
        self.stop_paging(found=len(feed.entries), new=new, url=response.url)

    def parse_entry_page(self, response: Response, fields: dict[str, Any], feed: Response) -> Iterator[PostItem]:
        """The entry's own page: its extracted main text replaces the feed summary."""
        if isinstance(response, TextResponse) and response.body.strip():
            article = extract_article(response.text, url=response.url)
            if article.text:
                fields = {**fields, "content": article.text}
            yield self.item(response, url=response.url, **fields)
        else:
            yield self.item(feed, url=response.url, role="feed", **fields)
