"""Weibo keyword search (s.weibo.com PC result pages), with the signed-in cookie from settings.

Without a valid ``SUB`` cookie Weibo answers with a redirect to its visitor system or the login page.
That ends the crawl with a clear error ("微博登录状态已失效，请更新 Cookie"), never "0 results".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from parsel import Selector
from pydantic import Field, field_validator
from scrapy.http import Response

from core.config import get_settings
from crawlers.extract import element_text, first_text, normalise_text, parse_count
from crawlers.items import PostItem
from crawlers.sources import SourceBase, Url, check_url
from crawlers.spiders.base import SourceSpider

EXPIRED_MESSAGE = "微博登录状态已失效，请更新 Cookie（设置 MUQING_WEIBO_COOKIE 或来源的 cookie 字段）"
_LOGIN_MARKERS = ("passport.weibo", "/passport/", "visitor", "/signin", "login.sina")
_MID_IN_DATA = re.compile(r"mid=(\d+)")
_TRAILERS = re.compile(r"\s*(?:收起全文|收起|展开全文|展开)\s*[a-zA-Z]?\s*$")


def _post_text(paragraph: Selector) -> str:
    """A card's text without the icon glyphs Weibo renders as letters (展开c, 收起d, the location pin)."""
    for icon in paragraph.css("i.wbicon"):
        icon.root.text = ""
    text = element_text(paragraph.xpath("."))
    return normalise_text(_TRAILERS.sub("", text))


class WeiboSearchSource(SourceBase):
    """Weibo keyword search (s.weibo.com); needs a signed-in cookie (``cookie`` or MUQING_WEIBO_COOKIE)."""

    kind: Literal["weibo_search"]
    keywords: Annotated[list[str], Field(min_length=1)]
    search_url: Url = "https://s.weibo.com/weibo?q={keyword}&page={page}"
    max_pages: Annotated[int, Field(ge=1, le=50)] = 5
    cookie: str | None = None

    @field_validator("search_url")
    @classmethod
    def _template(cls, value: str) -> str:
        if "{keyword}" not in value or "{page}" not in value:
            raise ValueError("search_url 中必须有 {keyword} 和 {page} 占位符")
        check_url(value.replace("{keyword}", "x").replace("{page}", "1"))
        return value


class WeiboSearchSpider(SourceSpider):
    """Per keyword: result pages ``page=1..max_pages``, one item per card."""

    name = "weibo_search"
    source_schema = WeiboSearchSource
    kinds = ("weibo_search",)
    title_required = False

    @property
    def spec(self) -> WeiboSearchSource:
        assert isinstance(self.source, WeiboSearchSource)
        return self.source

    def cookie(self) -> str | None:
        """The signed-in cookie: the source's own, else the setting."""
        return self.spec.cookie or get_settings().weibo_cookie

    async def start(self) -> Any:
        if not self.cookie():
            self.fail("login_required", self.spec.search_url, "未配置微博登录 Cookie（MUQING_WEIBO_COOKIE）")
            self.crawler.stats.set_value("muqing/fatal", "未配置微博登录 Cookie（MUQING_WEIBO_COOKIE）")
            return
        for keyword in self.spec.keywords:
            request = self.page_request(keyword, 1)
            if request is not None:
                yield request

    def page_request(self, keyword: str, page: int) -> Any:
        url = self.spec.search_url.replace("{keyword}", quote(keyword)).replace("{page}", str(page))
        return self.request(
            url,
            self.parse_page,
            cb_kwargs={"keyword": keyword, "page": page},
            headers={"Cookie": self.cookie() or ""},
            meta={"dont_redirect": True, "handle_httpstatus_list": [301, 302, 303, 307, 308]},
            kind="list",
        )

    def _login_lost(self, response: Response) -> bool:
        location = (response.headers.get("Location") or b"").decode("latin-1")
        if response.status in (301, 302, 303, 307, 308):
            return any(marker in location for marker in _LOGIN_MARKERS) or not location
        title = first_text(response, "title") or ""
        if "Sina Visitor System" in title or any(marker in response.url for marker in _LOGIN_MARKERS):
            return True
        return not response.css("div.card-wrap") and bool(response.css("form input[type=password], .login_btn"))

    def parse_page(self, response: Response, keyword: str, page: int) -> Iterator[Any]:
        if self._login_lost(response):
            self.close_with_error("login_expired", EXPIRED_MESSAGE)
        if not self.check_response(response):
            return
        cards = response.css("div.card-wrap[mid]")
        if not cards:
            self.count("empty_result_pages")
            return
        new = 0
        for card in cards:
            item = self.parse_card(response, card, keyword)
            if item is None:
                continue
            known = self.is_known(item.url, external_id=item.external_id)
            new += 0 if known else 1
            item.extra["refresh_only"] = known
            yield item
        if self.stop_paging(found=len(cards), new=new, url=response.url):
            return
        if response.css("div.m-page a.next") and page < self.spec.max_pages:
            request = self.page_request(keyword, page + 1)
            if request is not None:
                yield request

    def parse_card(self, response: Response, card: Selector, keyword: str) -> PostItem | None:
        mid = card.attrib.get("mid")
        content = card.css("div.content")
        own_from = content.xpath("./div[contains(concat(' ', normalize-space(@class), ' '), ' from ')]")
        from_box = own_from[-1] if own_from else (card.css("div.from")[-1] if card.css("div.from") else None)
        link = from_box.css("a::attr(href)").get() if from_box is not None else None
        if not link:
            self.count("dropped/card_without_link")
            return None
        url = response.urljoin(link.split("?", 1)[0].strip())
        if url.startswith("http://") and "weibo.com" in url:
            url = "https://" + url.removeprefix("http://")
        text_box = content.xpath("./p[@node-type='feed_list_content_full']") or content.xpath(
            "./p[@node-type='feed_list_content']"
        )
        text = _post_text(text_box[0]) if text_box else ""
        name_link = content.css("div.info a.name")
        author = name_link.attrib.get("nick-name") if name_link else None
        author_href = name_link.attrib.get("href", "") if name_link else ""
        uid = re.search(r"weibo\.com/(\d+)", author_href)
        time_link = from_box.css("a") if from_box is not None else None
        shown_time = element_text(time_link[:1]) if time_link else None
        published_at, raw_time = self.read_time(shown_time)
        acts = card.css("div.card-act")
        engagement = {
            "reposts": parse_count(first_text(acts, "a[action-type=feed_list_forward]") or ""),
            "comments": parse_count(first_text(acts, "a[action-type=feed_list_comment]") or ""),
            "likes": parse_count(first_text(acts, "a[action-type=feed_list_like] span.woo-like-count") or "赞"),
        }
        repost = card.css("div.card-comment")
        retweet_mid = None
        if repost:
            data = repost.css("a[action-type=feed_list_like]::attr(action-data)").get() or ""
            found = _MID_IN_DATA.search(data)
            retweet_mid = found.group(1) if found else None
        return self.item(
            response,
            url=url,
            role="list",
            title="",
            content=text,
            author=author,
            published_at=published_at,
            published_at_raw=raw_time,
            external_id=mid,
            engagement=engagement,
            extra={
                "keyword": keyword,
                "uid": uid.group(1) if uid else None,
                "shown_time": shown_time,
                "client": from_box.css("a[rel=nofollow]::text").get() if from_box is not None else None,
                "retweet_mid": retweet_mid,
                "retweet_text": _post_text(repost.css("p.txt")[0]) if repost and repost.css("p.txt") else None,
            },
        )
