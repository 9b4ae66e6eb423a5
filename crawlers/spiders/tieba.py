"""百度贴吧: a forum's thread list (shipped inside an HTML comment) and each thread's first floor."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from parsel import Selector
from scrapy import Request
from scrapy.http import Response

from crawlers.extract import element_text, first_text
from crawlers.items import PostItem
from crawlers.sources import TiebaSource
from crawlers.spiders.base import SourceSpider

_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)


def thread_list(response: Response) -> Selector:
    """The list markup: the BigPipe comment inside ``code.pagelet_html`` (or the page itself when visible)."""
    for code in response.css("code.pagelet_html"):
        for comment in code.xpath("comment()").getall() or _COMMENT.findall(code.get()):
            inner = comment.removeprefix("<!--").removesuffix("-->")
            if "j_thread_list" in inner:
                return Selector(text=inner)
    if response.css("li.j_thread_list"):
        return Selector(text=response.text)
    for chunk in _COMMENT.findall(response.text):
        if "j_thread_list" in chunk:
            return Selector(text=chunk)
    return Selector(text="<html></html>")


def _data_field(node: Selector) -> dict[str, Any]:
    raw = node.attrib.get("data-field") or ""
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class TiebaSpider(SourceSpider):
    """List pages ``pn=0, 50, …`` → thread pages; pinned threads never trigger the incremental stop."""

    name = "tieba"
    kinds = ("tieba",)

    @property
    def spec(self) -> TiebaSource:
        assert isinstance(self.source, TiebaSource)
        return self.source

    def first_requests(self) -> Iterator[Request | None]:
        yield self.list_request(0)

    def list_request(self, page: int) -> Any:
        url = f"{self.spec.base_url}/f?kw={quote(self.spec.forum)}&ie=utf-8&pn={page * self.spec.page_size}"
        return self.request(url, self.parse_list, cb_kwargs={"page": page}, kind="list")

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        if not self.check_response(response):
            return
        listing = thread_list(response)
        threads = listing.css("li.j_thread_list")
        if not threads:
            self.fail("list_without_items", response.url, "贴吧列表页没有找到帖子（列表可能不在预期的注释块中）")
        found = new = 0
        for thread in threads:
            data = _data_field(thread)
            href = thread.css("a.j_th_tit::attr(href)").get()
            if not href:
                continue
            url = response.urljoin(href.strip())
            pinned = bool(data.get("is_top")) or bool(thread.css("i.icon-top"))
            if not pinned:
                found += 1
            if self.is_known(url, external_id=data.get("id")):
                continue
            new += 0 if pinned else 1
            hints = {
                "title": thread.css("a.j_th_tit::attr(title)").get() or first_text(thread, "a.j_th_tit"),
                "author": data.get("author_name") or first_text(thread, "a.frs-author-name"),
                "replies": data.get("reply_num"),
                "create_time": first_text(thread, "span.is_show_create_time"),
                "last_reply_time": first_text(thread, "span.threadlist_reply_date"),
                "pinned": pinned,
                "id": data.get("id"),
            }
            request = self.request(url, self.parse_thread, cb_kwargs={"hints": hints})
            if request is not None:
                yield request
        if self.stop_paging(found=found, new=new, url=response.url):
            return
        if listing.css("#frs_list_pager a.next, a.next.pagination-item") and page + 1 < self.spec.max_pages:
            request = self.list_request(page + 1)
            if request is not None:
                yield request

    def parse_thread(self, response: Response, hints: dict[str, Any]) -> Iterator[PostItem]:
        if not self.check_response(response):
            return
        floors = response.css("div.l_post")
        first = floors[0] if floors else response
        tails = first.css("span.tail-info::text").getall()
        floor_time = next((tail for tail in reversed(tails) if re.search(r"\d{1,2}:\d{2}", tail)), None)
        published_at, raw_time = self.read_time(floor_time, hints.get("create_time"))
        replies = hints.get("replies")
        if replies is None:
            count = first_text(response, "li.l_reply_num span.red")
            replies = int(count) if count and count.isdigit() else None
        last_reply_at, _ = self.read_time(hints.get("last_reply_time"))
        yield self.item(
            response,
            url=response.url,
            title=response.css("h3.core_title_txt::attr(title)").get() or hints.get("title") or "",
            content=element_text(first.css("div.d_post_content")),
            author=first_text(first, "a.p_author_name") or hints.get("author"),
            published_at=published_at,
            published_at_raw=raw_time,
            external_id=str(hints["id"]) if hints.get("id") else None,
            engagement={"comments": replies},
            extra={
                "pinned": hints.get("pinned", False),
                "last_reply_at": self.local_iso(last_reply_at),
            },
        )
