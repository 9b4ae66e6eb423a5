"""A JSON interface paged by ``{page}``: items at a dotted path, each field at a dotted path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from scrapy import Request
from scrapy.http import Response

from crawlers.extract import as_text, json_path, parse_count
from crawlers.sources import SourceBase, Spec, Url, check_url, not_browser
from crawlers.spiders.base import SourceSpider


def _fill(template: Any, page: int) -> Any:
    if isinstance(template, str):
        return template.replace("{page}", str(page))
    if isinstance(template, dict):
        return {key: _fill(value, page) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, page) for value in template]
    return template


class JsonFields(Spec):
    """Dotted paths to each field inside one item of a JSON list."""

    id: str | None = None
    title: str | None = None
    content: str | None = None
    author: str | None = None
    published_at: str | None = None
    url: str | None = None
    reads: str | None = None
    likes: str | None = None
    comments: str | None = None
    reposts: str | None = None

    @model_validator(mode="after")
    def _text(self) -> JsonFields:
        if not (self.title or self.content):
            raise ValueError("fields 至少要有 title 或 content")
        return self


class JsonApiSource(SourceBase):
    """A JSON interface paged by a ``{page}`` placeholder in its URL (or in a POST body)."""

    kind: Literal["json_api"]

    @field_validator("render")
    @classmethod
    def _render(cls, value: str) -> str:
        return not_browser(value, "JSON 接口")

    method: Literal["GET", "POST"] = "GET"
    body: dict[str, Any] | None = None
    url: Url
    first_page: int = 1
    page_step: Annotated[int, Field(ge=1)] = 1
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5
    items: str
    has_more: str | None = None
    fields: JsonFields
    item_url: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        check_url(value.replace("{page}", "1"))
        body = info.data.get("body")
        if "{page}" not in value and not (body is not None and "{page}" in str(body)):
            raise ValueError("url（或 body）中必须有 {page} 占位符")
        return value.strip()


class JsonApiSpider(SourceSpider):
    """Pages through the interface until an empty list, ``has_more`` false, known posts or ``max_pages``."""

    name = "json_api"
    source_schema = JsonApiSource
    kinds = ("json_api",)

    @property
    def spec(self) -> JsonApiSource:
        assert isinstance(self.source, JsonApiSource)
        return self.source

    def first_requests(self) -> Iterator[Request | None]:
        yield self.page_request(0)

    def page_request(self, index: int) -> Any:
        page = self.spec.first_page + index * self.spec.page_step
        body = None
        headers = {"Accept": "application/json"}
        if self.spec.method == "POST":
            body = json.dumps(_fill(self.spec.body or {}, page), ensure_ascii=False)
            headers["Content-Type"] = "application/json"
        return self.request(
            _fill(self.spec.url, page),
            self.parse_page,
            cb_kwargs={"index": index},
            method=self.spec.method,
            body=body,
            headers=headers,
            kind="list",
        )

    def parse_page(self, response: Response, index: int) -> Iterator[Any]:
        if not self.check_response(response):
            return
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.fail("malformed_json", response.url, f"JSON 无法解析：{exc}")
            return
        items = json_path(data, self.spec.items)
        if not isinstance(items, list):
            self.fail("json_without_items", response.url, f"路径 {self.spec.items!r} 处不是列表")
            return
        fields = self.spec.fields
        new = 0
        for entry in items:
            if not isinstance(entry, dict):
                self.count("dropped/malformed_item")
                continue
            external_id = json_path(entry, fields.id)
            external_id = None if external_id is None else str(external_id)
            url = self._item_url(response, entry, external_id)
            known = self.is_known(url, external_id=external_id)
            new += 0 if known else 1
            published_at, raw_time = self.read_time(json_path(entry, fields.published_at))
            engagement = {
                key: parse_count(json_path(entry, path))
                for key in ("reads", "likes", "comments", "reposts")
                if (path := getattr(fields, key))
            }
            yield self.item(
                response,
                url=url,
                role="api",
                keep_fragment=True,
                title=as_text(json_path(entry, fields.title)) or "",
                content=as_text(json_path(entry, fields.content)) or "",
                author=as_text(json_path(entry, fields.author)),
                published_at=published_at,
                published_at_raw=raw_time,
                external_id=external_id,
                engagement=engagement,
                extra={"refresh_only": known},
            )
        if not items or self.stop_paging(found=len(items), new=new, url=response.url):
            return
        if self.spec.has_more and not json_path(data, self.spec.has_more):
            return
        if index + 1 < self.spec.max_pages:
            request = self.page_request(index + 1)
            if request is not None:
                yield request

    def _item_url(self, response: Response, entry: dict[str, Any], external_id: str | None) -> str:
        if self.spec.item_url:
            filled = self.spec.item_url
            for key, value in entry.items():
                if isinstance(value, str | int):
                    filled = filled.replace("{" + key + "}", str(value))
            return response.urljoin(filled)
        link = json_path(entry, self.spec.fields.url)
        if isinstance(link, str) and link.strip():
            return response.urljoin(link.strip())
        return f"{response.url}#{external_id}" if external_id else response.url
