"""Sources as data: load and validate a sources file; errors name the file, the source and the field.

The schema is documented in docs/sources.md. Every kind shares ``SourceBase``; ``kind`` picks the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.errors import ConfigurationError

_ENGAGEMENT_KEYS = ("reads", "likes", "comments", "reposts")


def check_selector(query: str) -> str:
    """Refuse a CSS or XPath selector that does not compile (XPath when it starts with ``/`` or ``(``)."""
    from cssselect import SelectorError
    from lxml import etree
    from parsel.csstranslator import GenericTranslator

    query = query.strip()
    if not query:
        raise ValueError("选择器为空")
    try:
        if query.startswith(("/", "(")):
            etree.XPath(query)
        else:
            GenericTranslator().css_to_xpath(query)
    except (SelectorError, etree.XPathSyntaxError) as exc:
        raise ValueError(f"选择器无效：{query!r}（{exc}）") from exc
    return query


def check_url(url: str) -> str:
    """Refuse anything but an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"不是有效的 http(s) 地址：{url!r}")
    return url.strip()


DELETED_MARKERS = ("该帖已被删除", "帖子已被删除", "内容已被删除", "该信息已被删除", "页面不存在", "已被作者删除")
Selector = Annotated[str, Field(min_length=1)]
Url = Annotated[str, Field(min_length=8)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListSpec(_Spec):
    """How to read a list page: the items, each item's link, the next page; optional list-level fields."""

    item: Selector
    link: Selector
    next_page: Selector | None = None
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5
    title: Selector | None = None
    published_at: Selector | None = None
    author: Selector | None = None

    @field_validator("item", "link", "next_page", "title", "published_at", "author")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return check_selector(value) if value is not None else None


class DetailSpec(_Spec):
    """How to read a detail page; ``content`` selects an element whose text (without markup) is extracted."""

    title: Selector
    content: Selector
    published_at: Selector | None = None
    author: Selector | None = None
    engagement: dict[Literal["reads", "likes", "comments", "reposts"], Selector] = Field(default_factory=dict)

    @field_validator("title", "content", "published_at", "author")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return check_selector(value) if value is not None else None

    @field_validator("engagement")
    @classmethod
    def _engagement(cls, value: dict[str, str]) -> dict[str, str]:
        return {key: check_selector(query) for key, query in value.items()}


class SourceBase(_Spec):
    """Fields every source has."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]
    title: str = ""
    interval_minutes: Annotated[int, Field(ge=1)] = 60
    enabled: bool = True
    encoding: str = "auto"
    relevance: Literal["all", "livestock", "livestock_local"] = "all"
    timezone: str | None = None
    obey_robots: bool = True
    stop_at_known: bool = True
    blind_after_intervals: Annotated[int, Field(ge=1, le=1000)] = 3
    recheck_days: Annotated[int, Field(ge=0, le=365)] = 7
    recheck_limit: Annotated[int, Field(ge=0, le=1000)] = 20
    deleted_markers: list[str] = Field(
        default_factory=lambda: [
            "该帖已被删除",
            "帖子已被删除",
            "内容已被删除",
            "该信息已被删除",
            "页面不存在",
            "已被作者删除",
        ]
    )
    download_delay: Annotated[float, Field(ge=0, le=60)] | None = None
    concurrency_per_domain: Annotated[int, Field(ge=1, le=32)] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    # none: pages as the server sends them; browser: rendered by the system Chromium (pages that need
    # JavaScript), each stored page with a screenshot of it as further evidence.
    render: Literal["none", "browser"] = "none"
    wait_for: Selector | None = None
    screenshot: Literal["png", "pdf", "none"] = "png"
    note: Annotated[str, Field(max_length=2000)] = ""

    @field_validator("wait_for")
    @classmethod
    def _wait_for(cls, value: str | None) -> str | None:
        return check_selector(value) if value is not None else None

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        from crawlers.encoding import normalise_label

        if value != "auto" and normalise_label(value) is None:
            raise ValueError(f"未知的字符集：{value!r}（可写 auto、utf-8、gbk、gb18030 等）")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"未知的时区：{value!r}") from exc
        return value


class _StartUrls(_Spec):
    start_urls: Annotated[list[Url], Field(min_length=1)]

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [check_url(url) for url in value]


class ListDetailSource(SourceBase, _StartUrls):
    """List pages → detail pages, driven by selectors."""

    kind: Literal["list_detail"]
    list: ListSpec
    detail: DetailSpec


class RssSource(SourceBase, _StartUrls):
    """RSS 2.0 and Atom feeds; ``fetch_full_text`` follows each entry's link and extracts the article."""

    kind: Literal["rss"]
    fetch_full_text: bool = False

    @field_validator("render")
    @classmethod
    def _render(cls, value: str) -> str:
        return _not_browser(value, "RSS")


class JsonFields(_Spec):
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


def _not_browser(value: str, what: str) -> str:
    if value == "browser":
        raise ValueError(f"{what} 来源不经浏览器渲染，render 只能是 none")
    return value


class JsonApiSource(SourceBase):
    """A JSON interface paged by a ``{page}`` placeholder in its URL (or in a POST body)."""

    kind: Literal["json_api"]

    @field_validator("render")
    @classmethod
    def _render(cls, value: str) -> str:
        return _not_browser(value, "JSON 接口")

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


class ArticleSource(SourceBase, _StartUrls):
    """News pages: main text extracted without selectors; ``links`` finds articles on index pages."""

    kind: Literal["article"]
    links: Selector | None = None

    @field_validator("links")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return check_selector(value) if value is not None else None


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


class GovMailboxSource(SourceBase, _StartUrls):
    """A district government's 互动交流 / 区长信箱: CMS list pages (createPageHTML) and letter pages."""

    kind: Literal["gov_mailbox"]
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5


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


SourceSpec = Annotated[
    ListDetailSource
    | RssSource
    | JsonApiSource
    | ArticleSource
    | PeopleLiuyanSource
    | GovMailboxSource
    | NewsSearchSource
    | WeiboSearchSource
    | TiebaSource,
    Field(discriminator="kind"),
]
AnySource = (
    ListDetailSource
    | RssSource
    | JsonApiSource
    | ArticleSource
    | PeopleLiuyanSource
    | GovMailboxSource
    | NewsSearchSource
    | WeiboSearchSource
    | TiebaSource
)
KINDS = (
    "list_detail",
    "rss",
    "json_api",
    "article",
    "people_liuyan",
    "gov_mailbox",
    "news_search",
    "weibo_search",
    "tieba",
)
_ADAPTER: TypeAdapter[AnySource] = TypeAdapter(SourceSpec)


def parse_source(data: object) -> AnySource:
    """One source definition (a dict as in the sources file, or as stored on a Source row)."""
    return _ADAPTER.validate_python(data)


class SourcesFile(_Spec):
    """The whole sources file."""

    sources: list[SourceSpec]


def parse_sources(data: object, *, origin: str) -> list[AnySource]:
    """Validate sources data; a problem raises ConfigurationError naming origin, source and field."""
    if isinstance(data, dict) and isinstance(data.get("sources"), list):
        for index, entry in enumerate(data["sources"]):
            if isinstance(entry, dict) and entry.get("kind") not in KINDS:
                name = entry.get("name")
                where = f"{origin}: 来源 #{index + 1}" + (f"（{name}）" if name else "")
                raise ConfigurationError(
                    f"来源文件有误：\n{where}: 字段 kind: 应为 {' / '.join(KINDS)} 之一，实际为 {entry.get('kind')!r}"
                )
    try:
        parsed = SourcesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, data, origin)) from exc
    names = [source.name for source in parsed.sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigurationError(f"{origin}: 来源名称重复：{', '.join(duplicates)}")
    return list(parsed.sources)


def load_sources(path: Path) -> list[AnySource]:
    """Read and validate a sources YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{path}: 无法读取来源文件：{exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path}: 来源文件必须是 UTF-8 编码") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: YAML 格式错误：{exc}") from exc
    return parse_sources(data, origin=str(path))


def _describe(exc: ValidationError, data: object, origin: str) -> str:
    lines = []
    for error in exc.errors():
        location = list(error["loc"])
        where = origin
        if len(location) >= 2 and location[0] == "sources" and isinstance(location[1], int):
            index = location[1]
            name = None
            if isinstance(data, dict) and isinstance(data.get("sources"), list):
                entry = data["sources"][index] if index < len(data["sources"]) else None
                name = entry.get("name") if isinstance(entry, dict) else None
            where += f": 来源 #{index + 1}" + (f"（{name}）" if name else "")
            location = location[2:]
            if location and location[0] in KINDS:
                location = location[1:]  # the discriminator's tag, not a field
        field = ".".join(str(part) for part in location) or "(根)"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: 字段 {field}: {message}")
    return "来源文件有误：\n" + "\n".join(lines)
