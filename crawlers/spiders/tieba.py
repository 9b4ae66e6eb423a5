"""百度贴吧 after its 2026 redesign: the forum's mobile thread list and each thread's first floor.

The desktop pages (``/f?kw=``, ``/p/<tid>``) became script shells and an app guide page, so the old
``j_thread_list`` / ``l_post`` / ``d_post_content`` selectors find nothing. The server still renders the
mobile pages: ``/mo/q/m?kw=<forum>&pn=<offset>`` (``li[data-tid]`` items: ``div.ti_title``,
``span.ti_author``, ``span.ti_time``, the reply count in ``div.btn_reply span.btn_icon``; ``tl_top`` marks a
pinned thread) and ``/mo/q/m?kz=<tid>`` (``ul#pblist li.post_list_item`` floors with ``data-info``,
``span.user_name``, ``span.list_item_time`` and ``div.content``, ``lz="1"`` on the first floor). They answer
a mobile browser's user agent; ours says so and still names us. A 百度安全验证 page means we were blocked:
it is reported as such, never read as an empty forum.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from parsel import Selector
from pydantic import Field, field_validator
from scrapy import Request
from scrapy.http import Response, TextResponse

from crawlers.extract import element_text, first_text
from crawlers.items import PostItem
from crawlers.settings import USER_AGENT
from crawlers.sources import SourceBase, Url, check_url
from crawlers.spiders.base import SourceSpider

MOBILE_USER_AGENT = f"Mozilla/5.0 (Linux; Android 14; Mobile) {USER_AGENT}"
BLOCKED_MARKERS = ("百度安全验证", "security_verify")
APP_GUIDE_MARKER = "贴吧小程序"
# The anti-bot page comes with HTTP 403: read it, to say that we were blocked rather than "HTTP 403".
_SEE_403 = {"handle_httpstatus_list": [403]}


def _data_info(node: Selector) -> dict[str, Any]:
    try:
        value = json.loads(node.attrib.get("data-info") or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class TiebaSource(SourceBase):
    """百度贴吧 after its 2026 redesign: the mobile pages the server still renders (``/mo/q/m``).

    ``/mo/q/m?kw=<forum>&pn=<offset>`` lists a forum's threads (offsets step by ``page_size``, 30 on the
    site); ``/mo/q/m?kz=<tid>`` shows a thread's floors. ``/f`` and ``/p/<tid>`` are script shells now.
    """

    kind: Literal["tieba"]
    forum: Annotated[str, Field(min_length=1)]
    base_url: Url = "https://tieba.baidu.com"
    max_pages: Annotated[int, Field(ge=1, le=100)] = 2
    page_size: Annotated[int, Field(ge=1)] = 30

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return check_url(value).rstrip("/")


class TiebaSpider(SourceSpider):
    """List pages ``pn=0, 30, …`` → thread pages; pinned threads never trigger the incremental stop."""

    name = "tieba"
    source_schema = TiebaSource
    kinds = ("tieba",)

    @property
    def spec(self) -> TiebaSource:
        assert isinstance(self.source, TiebaSource)
        return self.source

    def first_requests(self) -> Iterator[Request | None]:
        yield self.list_request(0)

    def _headers(self) -> dict[str, str]:
        named = {key.lower() for key in self.source.headers}
        return {} if "user-agent" in named else {"User-Agent": MOBILE_USER_AGENT}

    def list_request(self, page: int) -> Any:
        url = f"{self.spec.base_url}/mo/q/m?kw={quote(self.spec.forum)}&pn={page * self.spec.page_size}"
        return self.request(
            url, self.parse_list, cb_kwargs={"page": page}, kind="list", headers=self._headers(), meta=_SEE_403
        )

    def thread_url(self, tid: str) -> str:
        """The thread's public address (the post's URL); its floors are read from the mobile page."""
        return f"{self.spec.base_url}/p/{tid}"

    def blocked(self, response: Response) -> bool:
        """True (and reported) when the site answered with its anti-bot or app guide page."""
        text = response.text[:4000]
        if response.status == 403 or any(marker in text for marker in BLOCKED_MARKERS):
            self.fail("anti_bot", response.url, "贴吧返回“百度安全验证”页面，本次没有读取内容（请降低抓取频率）")
            return True
        if APP_GUIDE_MARKER in text and "data-tid" not in text:
            self.fail("layout_changed", response.url, "贴吧返回“贴吧小程序”引导页而不是帖子列表（页面结构已变）")
            return True
        return False

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        if not self.check_response(response) or self.blocked(response):
            return
        items = response.css("li[data-tid]")
        found = new = 0
        for thread in items:
            tid = thread.attrib.get("data-tid", "").strip()
            if not tid.isdigit():
                continue
            pinned = "tl_top" in (thread.attrib.get("class") or "")
            found += 0 if pinned else 1
            url = self.thread_url(tid)
            if self.is_known(url, external_id=tid):
                continue
            new += 0 if pinned else 1
            replies = first_text(thread, "div.btn_reply span.btn_icon")
            hints = {
                "id": tid,
                "url": url,
                "title": first_text(thread, "div.ti_title span:last-child") or first_text(thread, "div.ti_title"),
                "author": first_text(thread, "span.ti_author"),
                "replies": int(replies) if replies and replies.isdigit() else None,
                "last_reply_time": first_text(thread, "span.ti_time"),
                "pinned": pinned,
            }
            request = self.request(
                f"{self.spec.base_url}/mo/q/m?kz={tid}",
                self.parse_thread,
                cb_kwargs={"hints": hints},
                headers=self._headers(),
                meta=_SEE_403,
            )
            if request is not None:
                yield request
        if not items:
            return  # an empty page: the end of the forum
        if self.stop_paging(found=found, new=new, url=response.url):
            return
        if page + 1 < self.spec.max_pages:
            request = self.list_request(page + 1)
            if request is not None:
                yield request

    def parse_thread(self, response: Response, hints: dict[str, Any]) -> Iterator[PostItem]:
        if not self.check_response(response) or self.blocked(response):
            return
        floors = response.css("ul#pblist li.post_list_item")
        first = next((f for f in floors if f.css('div.content[lz="1"]')), floors[0] if floors else None)
        info = _data_info(first) if first is not None else {}
        published_at, raw_time = self.read_time(first_text(first, "span.list_item_time") if first else None)
        replies = hints.get("replies")
        if replies is None:
            shown = first_text(response, "div.thread_info span.reply_num")
            replies = int(shown) if shown and shown.isdigit() else None
        last_reply_at, _ = self.read_time(hints.get("last_reply_time"))
        yield self.item(
            response,
            url=hints["url"],
            title=first_text(response, "div.post_title_embed") or hints.get("title") or "",
            content=element_text(first.css("div.content")) if first is not None else "",
            author=(first_text(first, "span.user_name") if first else None) or info.get("name_show") or hints["author"],
            published_at=published_at,
            published_at_raw=raw_time,
            external_id=hints["id"],
            engagement={"comments": replies},
            extra={"pinned": hints.get("pinned", False), "last_reply_at": self.local_iso(last_reply_at)},
        )

    def reparse(self, response: TextResponse) -> str | None:
        """The first floor's text the thread page shows today."""
        return element_text(response.css('ul#pblist div.content[lz="1"]'))
