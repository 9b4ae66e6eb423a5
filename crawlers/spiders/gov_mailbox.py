"""A district government's 互动交流 / 区长信箱 on a typical government CMS (GBK pages, script pagination).

List pages are ``index.html``, ``index_1.html``, … written by the CMS's ``createPageHTML(countPage,
currentPage, "index", "html")`` script, so the next page is built from those numbers, not from a link.
Letter pages are label/value tables (来信人, 来信时间, 来信内容, 回复单位, 回复时间, 回复内容), read by label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import scrapy
from parsel import Selector
from pydantic import Field
from scrapy.http import Response

from crawlers.extract import element_text, first_text, node_text
from crawlers.items import PostItem
from crawlers.sources import SourceBase, StartUrls
from crawlers.spiders.base import SourceSpider

_PAGER_CALL = re.compile(r"createPageHTML\(\s*(\w+)\s*,\s*(\w+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']")
_PAGER_VAR = r"var\s+{name}\s*=\s*(\d+)"
# A reply cell that only says the letter is being handled is not a reply.
_NOT_A_REPLY = ("正在办理", "请耐心等待", "暂无回复", "尚未回复")


def read_labels(selector: Selector | Response) -> dict[str, str]:
    """Label → value for every ``th``/``td`` pair in the page's tables (whitespace in labels removed)."""
    values: dict[str, str] = {}
    for header in selector.css("table th, table td.label, table td.tit"):
        label = re.sub(r"\s+|[:：]", "", node_text(header))
        if not label or label in values:
            continue
        cell = header.xpath("following-sibling::td[1]")
        if cell:
            values[label] = element_text(cell)
    return values


def next_page_url(response: Response) -> str | None:
    """The next list page named by the CMS pager script, if there is one."""
    text = response.text
    match = _PAGER_CALL.search(text)
    if not match:
        return None
    count_token, current_token, prefix, extension = match.groups()

    def value(token: str) -> int | None:
        if token.isdigit():
            return int(token)
        found = re.search(_PAGER_VAR.format(name=re.escape(token)), text)
        return int(found.group(1)) if found else None

    count, current = value(count_token), value(current_token)
    if count is None or current is None or current + 1 >= count:
        return None
    return response.urljoin(f"{prefix}_{current + 1}.{extension}")


class GovMailboxSource(SourceBase, StartUrls):
    """A district government's 互动交流 / 区长信箱: CMS list pages (createPageHTML) and letter pages."""

    kind: Literal["gov_mailbox"]
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5


class GovMailboxSpider(SourceSpider):
    """区长信箱: the letter table on each list page, then each letter with its official reply."""

    name = "gov_mailbox"
    source_schema = GovMailboxSource
    kinds = ("gov_mailbox",)

    @property
    def spec(self) -> GovMailboxSource:
        assert isinstance(self.source, GovMailboxSource)
        return self.source

    def first_requests(self) -> Iterator[scrapy.Request | None]:
        for url in self.spec.start_urls:
            yield self.request(url, self.parse_list, cb_kwargs={"page": 1}, kind="list")

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        if not self.check_response(response):
            return
        rows = [row for row in response.css("table tr") if row.css("td a[href]")]
        if not rows:
            self.fail("list_without_items", response.url, "列表页没有找到信件")
        new = 0
        for row in rows:
            link = row.css("td.bt a::attr(href)").get() or row.css("td a::attr(href)").get()
            if not link:
                continue
            url = response.urljoin(link.strip())
            if self.is_known(url):
                continue
            new += 1
            hints = {
                "status": first_text(row, "td.zt"),
                "number": first_text(row, "td.bh"),
                "date": first_text(row, "td.sj"),
            }
            request = self.request(url, self.parse_letter, cb_kwargs={"hints": hints})
            if request is not None:
                yield request
        if self.stop_paging(found=len(rows), new=new, url=response.url):
            return
        following = next_page_url(response)
        if following and page < self.spec.max_pages:
            request = self.request(following, self.parse_list, cb_kwargs={"page": page + 1}, kind="list")
            if request is not None:
                yield request

    def parse_letter(self, response: Response, hints: dict[str, str | None]) -> Iterator[PostItem]:
        if not self.check_response(response):
            return
        labels = read_labels(response)
        title = first_text(response, "h1.xjxq_tit") or labels.get("信件标题") or first_text(response, "h1") or ""
        published_at, raw_time = self.read_time(
            labels.get("来信时间"), response.css("meta[name=PubDate]::attr(content)").get(), hints.get("date")
        )
        reply_text = labels.get("回复内容") or ""
        reply: dict[str, Any] | None = None
        if reply_text and not any(phrase in reply_text for phrase in _NOT_A_REPLY):
            reply_at, _ = self.read_time(labels.get("回复时间"))
            reply = {
                "org": labels.get("回复单位") or None,
                "at": self.local_iso(reply_at),
                "text": reply_text,
            }
        yield self.item(
            response,
            url=response.url,
            title=title,
            content=labels.get("来信内容") or "",
            author=labels.get("来信人") or None,
            published_at=published_at,
            published_at_raw=raw_time,
            external_id=labels.get("信件编号") or hints.get("number"),
            extra={
                "status": labels.get("办理状态") or hints.get("status"),
                "letter_type": labels.get("信件类型"),
                "reply": reply,
            },
        )
