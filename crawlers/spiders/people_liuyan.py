"""人民网领导留言板: a board's message list interface (cursor paged by tid) and each message in full.

The list interface (``/pro-dfbbs-front/threads/queryThreadsList``, form ``fid``, ``lastItem``, ``pageSize``)
gives the fields under their own names (subject, dateline, nickName, stateInfo, answerOrganization,
answerDateline, favNum …) but cuts content and reply to 100 characters. The full text is on the message's
page, which the current board renders by script from the signed ``POST /v1/threads/content`` interface:
a source reads the page through the browser (``render: browser``) or asks the interface itself
(``detail: api``). A page that shows no message text keeps the list's cut text, marked ``truncated``, which
source health reports (解析异常) instead of storing it as if it were whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from pydantic import Field, field_validator
from scrapy import Request
from scrapy.http import Response, TextResponse

from crawlers.extract import element_text, first_text
from crawlers.items import PostItem
from crawlers.sources import SourceBase, Url, check_url
from crawlers.spiders.base import SourceSpider

# List fields kept beside the post, named as on the board's interface.
_KEPT_FIELDS = ("stateInfo", "domainName", "typeName", "forumName", "fid", "gradeManner", "gradeSpeed", "grade")
CONTENT_API = "/v1/threads/content"


def signed_body(*, path: str, param: dict[str, Any], app_code: str, token: str = "") -> str:
    """The board's signed envelope: signature = md5(path + param JSON + md5(appCode)[:16] + token)."""
    text = json.dumps(param, ensure_ascii=False, separators=(",", ":"))
    key = hashlib.md5(app_code.encode()).hexdigest()[:16]
    signature = hashlib.md5((path + text + key + token).encode()).hexdigest()
    envelope = {"appCode": app_code, "token": token, "signature": signature, "param": text}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def _cut(text: str | None) -> bool:
    return bool(text) and str(text).rstrip().endswith(("...", "…"))


class PeopleLiuyanSource(SourceBase):
    """人民网领导留言板: one board's message list (cursor paged) and each message with the official reply.

    ``list_api``: ``pro`` posts to ``/pro-dfbbs-front/threads/queryThreadsList`` (the current board),
    ``legacy`` to ``/threads/queryThreadsList``. ``detail``: ``page`` reads the message's page (rendered by
    script on the current board: set ``render: browser``), ``api`` asks the signed ``/v1/threads/content``
    interface with the board's ``app_code``.
    """

    kind: Literal["people_liuyan"]
    fid: Annotated[str, Field(pattern=r"^\d+$")]
    base_url: Url = "https://liuyan.people.com.cn"
    list_api: Literal["pro", "legacy"] = "pro"
    page_size: Annotated[int, Field(ge=1, le=100)] = 20
    detail: Literal["page", "api"] = "page"
    app_code: Annotated[str, Field(min_length=4, max_length=64)] = "PC42ce3bfa4980a9"
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5

    @field_validator("fid", mode="before")
    @classmethod
    def _fid(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return check_url(value).rstrip("/")


class PeopleLiuyanSpider(SourceSpider):
    """Cursor pages of the list interface until an empty page, known messages or ``max_pages``."""

    name = "people_liuyan"
    source_schema = PeopleLiuyanSource
    kinds = ("people_liuyan",)

    @property
    def spec(self) -> PeopleLiuyanSource:
        assert isinstance(self.source, PeopleLiuyanSource)
        return self.source

    def first_requests(self) -> Iterator[Request | None]:
        yield self.list_request("0", page=1)

    def list_request(self, last_item: str, *, page: int) -> Any:
        if self.spec.list_api == "pro":
            path = "/pro-dfbbs-front/threads/queryThreadsList"
            form = {"fid": self.spec.fid, "lastItem": last_item, "pageSize": str(self.spec.page_size)}
        else:
            path = "/threads/queryThreadsList"
            form = {"fid": self.spec.fid, "state": "1", "lastItem": last_item}
        return self.request(
            f"{self.spec.base_url}{path}",
            self.parse_list,
            cb_kwargs={"page": page},
            method="POST",
            body=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": "application/json"},
            kind="list",
            browser=False,
        )

    def detail_url(self, tid: str) -> str:
        """The message's own page (also the post's URL when the text comes from the interface)."""
        return f"{self.spec.base_url}/threads/content?tid={tid}"

    def detail_request(self, tid: str, entry: dict[str, Any]) -> Any:
        if self.spec.detail == "api":
            return self.request(
                f"{self.spec.base_url}{CONTENT_API}",
                self.parse_api_detail,
                cb_kwargs={"entry": entry},
                method="POST",
                body=signed_body(path=CONTENT_API, param={"tid": int(tid)}, app_code=self.spec.app_code),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                browser=False,
            )
        return self.request(self.detail_url(tid), self.parse_detail, cb_kwargs={"entry": entry})

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
            if self.is_known(self.detail_url(tid), external_id=tid):
                continue
            new += 1
            request = self.detail_request(tid, entry)
            if request is not None:
                yield request
        if not entries or self.stop_paging(found=len(entries), new=new, url=response.url):
            return
        if page < self.spec.max_pages:
            request = self.list_request(str(entries[-1]["tid"]), page=page + 1)
            if request is not None:
                yield request

    def parse_detail(self, response: Response, entry: dict[str, Any]) -> Iterator[PostItem]:
        """The message page as the board's script renders it (read through the browser)."""
        if not self.check_response(response):
            return
        reply_box = response.css("div.replyHandleMain")
        reply = None
        if reply_box:
            handled = first_text(reply_box, "div.handleTime")
            reply = {
                "org": first_text(reply_box, "h4"),
                "raw_time": handled.replace("回复时间：", "") if handled else None,
                "text": element_text(reply_box.css("p.handleContent")),
            }
        yield self._message(
            response,
            entry,
            title=first_text(response, "div.replyInfoHead h1"),
            content=element_text(response.css("#replyContentMain")),
            raw_time=first_text(response, "li.replyMsg span:nth-of-type(2)"),
            status=first_text(response, "p.stateInfo"),
            reply=reply,
        )

    def parse_api_detail(self, response: Response, entry: dict[str, Any]) -> Iterator[PostItem]:
        """The signed interface's answer: ``resultData.contentList``, dataType 1 the message, 4 the reply."""
        if not self.check_response(response):
            return
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.fail("malformed_json", response.url, f"留言详情 JSON 无法解析：{exc}")
            return
        if not isinstance(data, dict) or str(data.get("code")) != "0":
            message = data.get("msg") if isinstance(data, dict) else None
            self.fail(
                "api_error",
                response.url,
                f"留言详情接口返回错误：{message or data!r}（签名或 app_code 可能已变）"[:300],
            )
            return
        items = [item for item in (data.get("resultData") or {}).get("contentList") or [] if isinstance(item, dict)]
        message = next((item for item in items if item.get("dataType") == 1), {})
        answer = next((item for item in items if item.get("dataType") == 4), None)
        reply = None
        if answer is not None:
            reply = {
                "org": answer.get("answerOrganization"),
                "raw_time": answer.get("dateline"),
                "text": answer.get("content"),
            }
        yield self._message(
            response,
            entry,
            title=message.get("subject"),
            content=message.get("content"),
            raw_time=message.get("dateline"),
            status=message.get("stateInfo"),
            reply=reply,
            url=self.detail_url(str(entry["tid"])),
            role="api",
        )

    def _message(
        self,
        response: Response,
        entry: dict[str, Any],
        *,
        title: str | None,
        content: str | None,
        raw_time: str | int | None,
        status: str | None,
        reply: dict[str, Any] | None,
        url: str | None = None,
        role: str = "page",
    ) -> PostItem:
        truncated = not content
        if truncated:
            # The page showed no message (a script that did not run, or a changed layout): the list's cut
            # text is all there is, and it is marked so that source health reports it.
            self.count("quality/list_text_only")
            content = str(entry.get("content") or "")
        published_at, raw = self.read_time(entry.get("dateline"), raw_time)
        if reply is None and entry.get("answerId"):
            reply = {"org": None, "raw_time": None, "text": None}
        if reply is not None:
            reply_at, _ = self.read_time(entry.get("answerDateline"), reply.get("raw_time"))
            text = reply.get("text") or entry.get("answerContent")
            reply = {
                "org": reply.get("org") or entry.get("answerOrganization"),
                "at": self.local_iso(reply_at),
                "text": text,
            }
        return self.item(
            response,
            url=url or response.url,
            role=role,
            title=title or str(entry.get("subject") or ""),
            content=content,
            author=entry.get("nickName") or None,
            published_at=published_at,
            published_at_raw=raw,
            external_id=str(entry["tid"]),
            engagement={"likes": entry.get("favNum")},
            extra={
                "status": entry.get("stateInfo") or status,
                "reply": reply,
                "truncated": True if truncated and _cut(content) else None,
                **{key: entry.get(key) for key in _KEPT_FIELDS if entry.get(key) is not None},
            },
        )

    def reparse(self, response: TextResponse) -> str | None:
        """The message text the page shows today."""
        return element_text(response.css("#replyContentMain"))
