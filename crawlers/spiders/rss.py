"""RSS 2.0 and Atom feeds (feedparser); optionally each entry's page for the full text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

import feedparser
from pydantic import field_validator
from scrapy import Request
from scrapy.http import Response, TextResponse

from crawlers.extract import extract_article, html_to_text
from crawlers.items import PostItem
from crawlers.sources import SourceBase, StartUrls, not_browser
from crawlers.spiders.base import SourceSpider

_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _author(node: Any) -> str | None:
    """``someone@example.org (Name)`` as RSS writes it becomes ``Name``; an Atom author's name as is."""
    raw = (node.get("author") or "").strip()
    named = re.search(r"\(([^()]+)\)\s*$", raw)
    if named:
        return named.group(1).strip()
    if "@" in raw and " " not in raw:
        return None
    detail = node.get("author_detail") or {}
    return raw or detail.get("name") or None


class RssSource(SourceBase, StartUrls):
    """RSS 2.0 and Atom feeds; ``fetch_full_text`` follows each entry's link and extracts the article."""

    kind: Literal["rss"]
    fetch_full_text: bool = False

    @field_validator("render")
    @classmethod
    def _render(cls, value: str) -> str:
        return not_browser(value, "RSS")


class RssSpider(SourceSpider):
    """One item per feed entry; raw date strings are read by our parser (zone-less means local time)."""

    name = "rss"
    source_schema = RssSource
    kinds = ("rss",)

    @property
    def spec(self) -> RssSource:
        assert isinstance(self.source, RssSource)
        return self.source

    def first_requests(self) -> Iterator[Request | None]:
        for url in self.spec.start_urls:
            yield self.request(url, self.parse_feed, kind="list")

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if not self.check_response(response):
            return
        content_type = (response.headers.get("Content-Type") or b"application/xml").decode("latin-1")
        feed = feedparser.parse(
            response.body,
            response_headers={"content-location": response.url, "content-type": content_type},
            resolve_relative_uris=False,
            sanitize_html=False,
        )
        problem = feed.get("bozo_exception") if feed.bozo else None
        if isinstance(problem, _HARMLESS):
            problem = None
        if problem is not None and not feed.entries:
            self.fail("malformed_feed", response.url, f"订阅源无法解析：{problem}")
            return
        if problem is not None:
            self.fail("malformed_feed", response.url, f"订阅源有格式错误，已尽量读取：{problem}")
        new = 0
        for entry in feed.entries:
            guid = entry.get("id") or entry.get("guid")
            link = response.urljoin(entry["link"]) if entry.get("link") else None
            # The entry's id names it; its link may point to a page that lists or shows other things too.
            url = f"{response.url}#{guid}" if guid else (link or response.url)
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
                "author": _author(entry) or _author(feed.feed),
                "published_at": published_at,
                "published_at_raw": raw_time,
                "external_id": guid,
                "extra": {
                    "link": link,
                    "categories": [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")],
                },
            }
            if self.spec.fetch_full_text and link:
                request = self.request(
                    link, self.parse_entry_page, cb_kwargs={"url": url, "fields": fields, "feed": response}
                )
                if request is not None:
                    yield request
            else:
                yield self.item(response, url=url, role="feed", keep_fragment=True, **fields)
        self.stop_paging(found=len(feed.entries), new=new, url=response.url)

    def parse_entry_page(
        self, response: Response, url: str, fields: dict[str, Any], feed: Response
    ) -> Iterator[PostItem]:
        """The entry's own page: its extracted main text replaces the feed summary."""
        if isinstance(response, TextResponse) and response.body.strip():
            article = extract_article(response.text, url=response.url)
            if article.text:
                fields = {**fields, "content": article.text}
            yield self.item(response, url=url, keep_fragment=True, **fields)
        else:
            yield self.item(feed, url=url, role="feed", keep_fragment=True, **fields)
