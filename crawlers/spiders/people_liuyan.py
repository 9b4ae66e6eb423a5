"""人民网领导留言板: a board's message list interface (cursor paged by tid) and each message's page.

The list interface gives the fields under their own names (subject, dateline, nickName, stateInfo,
answerOrganization, answerDateline, favNum …) but cuts content and reply to 100 characters, so every new
message's page is fetched for the full text and the official reply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.http import Response

from crawlers.extract import element_text, first_text
from crawlers.items import PostItem
from crawlers.sources import PeopleLiuyanSource
from crawlers.spiders.base import SourceSpider

# List fields kept beside the post, named as on the board's interface.
_KEPT_FIELDS = ("stateInfo", "domainName", "typeName", "forumName", "fid", "gradeManner", "gradeSpeed", "grade")


class PeopleLiuyanSpider(SourceSpider):
    """Cursor pages of ``queryThreadsList`` until an empty page, known messages or ``max_pages``."""

    name = "people_liuyan"
    kinds = ("people_liuyan",)

    @property
    def spec(self) -> PeopleLiuyanSource:
        assert isinstance(self.source, PeopleLiuyanSource)
        return self.source

    def first_requests(self) -> Iterator[Request | None]:
        yield self.list_request("0", page=1)

    def list_request(self, last_item: str, *, page: int) -> Any:
        return self.request(
            f"{self.spec.base_url}/threads/queryThreadsList",
            self.parse_list,
            cb_kwargs={"page": page},
            method="POST",
            body=urlencode({"fid": self.spec.fid, "state": "1", "lastItem": last_item}),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": "application/json"},
            kind="list",
        )

    def detail_url(self, tid: str) -> str:
        """The message's own page."""
        return f"{self.spec.base_url}/threads/content?tid={tid}"

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        if not self.check_response(response):
            return
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.fail("malformed_json", response.url, f"留言列表 JSON 无法解析：{exc}")
            return
        if not isinstance(data, dict) or data.get("result") != "success":
            message = data.get("resultDesc") if isinstance(data, dict) else None
            self.fail("api_error", response.url, f"留言列表接口返回错误：{message or data!r}"[:300])
            return
        entries = [entry for entry in data.get("responseData") or [] if isinstance(entry, dict) and entry.get("tid")]
        new = 0
        for entry in entries:
            tid = str(entry["tid"])
            url = self.detail_url(tid)
            if self.is_known(url, external_id=tid):
                continue
            new += 1
            request = self.request(url, self.parse_detail, cb_kwargs={"entry": entry})
            if request is not None:
                yield request
        if not entries or self.stop_paging(found=len(entries), new=new, url=response.url):
            return
        if page < self.spec.max_pages:
            request = self.list_request(str(entries[-1]["tid"]), page=page + 1)
            if request is not None:
                yield request

    def parse_detail(self, response: Response, entry: dict[str, Any]) -> Iterator[PostItem]:
        if not self.check_response(response):
            return
        box = response.css("div.liuyan_box03")
        title = first_text(box, "span.context-title-text") or str(entry.get("subject") or "")
        content = element_text(box.css("p.zoom, p.content")) or str(entry.get("content") or "")
        published_at, raw_time = self.read_time(entry.get("dateline"), first_text(box, "h3 span"))
        reply_box = response.css("div.liuyan_box05 li.reply")
        reply: dict[str, Any] | None = None
        if reply_box or entry.get("answerId"):
            reply_at, _ = self.read_time(entry.get("answerDateline"), first_text(reply_box, "em.grey2"))
            reply = {
                "org": first_text(reply_box, "h3 i") or entry.get("answerOrganization"),
                "at": self.local_iso(reply_at),
                "text": element_text(reply_box.css("p.zoom")) or entry.get("answerContent"),
            }
        likes = entry.get("favNum")
        if likes is None:
            likes_text = first_text(response, "div.fav-image i")
            likes = int(likes_text) if likes_text and likes_text.isdigit() else None
        yield self.item(
            response,
            url=response.url,
            title=title,
            content=content,
            author=entry.get("nickName") or None,
            published_at=published_at,
            published_at_raw=raw_time,
            external_id=str(entry["tid"]),
            engagement={"likes": likes},
            extra={
                "status": entry.get("stateInfo") or first_text(box, "h2 em"),
                "reply": reply,
                **{key: entry.get(key) for key in _KEPT_FIELDS if entry.get(key) is not None},
            },
        )
