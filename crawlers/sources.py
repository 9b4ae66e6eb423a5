"""Sources as data: load and validate a sources file; errors name the file, the source and the field.

The schema is documented in docs/sources.md. Every kind shares ``SourceBase``; ``kind`` picks the rest, from
the kind's own schema in its spider module (``crawlers.spiders``: one file per kind, registered there).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model, field_validator

from core.errors import ConfigurationError
from crawlers.spiders import kind_names


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


Selector = Annotated[str, Field(min_length=1)]
Url = Annotated[str, Field(min_length=8)]


class Spec(BaseModel):
    """Base of every part of a source definition: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


def not_browser(value: str, what: str) -> str:
    """Refuse ``render: browser`` for a kind that never renders pages (``what`` names it)."""
    if value == "browser":
        raise ValueError(f"{what} 来源不经浏览器渲染，render 只能是 none")
    return value


class SourceBase(Spec):
    """Fields every source has; each kind's schema narrows ``kind`` to its own name."""

    kind: str
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


class StartUrls(Spec):
    """Sources that start from a list of pages."""

    start_urls: Annotated[list[Url], Field(min_length=1)]

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [check_url(url) for url in value]


# Any kind's definition, for code that works with what every kind has.
AnySource = SourceBase


# The registered kinds (names only: reading them imports no spider, so the API checks kinds without Scrapy).
KINDS = kind_names()


@functools.cache
def _schemas() -> tuple[type[SourceBase], ...]:
    from crawlers.spiders import spider_classes

    return tuple(spider.source_schema for spider in spider_classes().values())


@functools.cache
def _adapter() -> TypeAdapter[SourceBase]:
    # The union of every kind's schema, told apart by ``kind``.
    union: Any = Annotated[Union[_schemas()], Field(discriminator="kind")]  # noqa: UP007 - built at run time
    return TypeAdapter(union)


@functools.cache
def _sources_file() -> type[Spec]:
    union: Any = Annotated[Union[_schemas()], Field(discriminator="kind")]  # noqa: UP007 - built at run time
    return create_model("SourcesFile", __base__=Spec, __doc__="The whole sources file.", sources=(list[union], ...))


def parse_source(data: object) -> SourceBase:
    """One source definition (a dict as in the sources file, or as stored on a Source row)."""
    return _adapter().validate_python(data)


def parse_sources(data: object, *, origin: str) -> list[AnySource]:
    """Validate sources data; a problem raises ConfigurationError naming origin, source and field."""
    if isinstance(data, dict) and isinstance(data.get("sources"), list):
        for index, entry in enumerate(data["sources"]):
            if isinstance(entry, dict) and entry.get("kind") not in kind_names():
                name = entry.get("name")
                where = f"{origin}: 来源 #{index + 1}" + (f"（{name}）" if name else "")
                raise ConfigurationError(
                    f"来源文件有误：\n{where}: 字段 kind: 应为 {' / '.join(kind_names())} 之一，"
                    f"实际为 {entry.get('kind')!r}"
                )
    try:
        parsed: Any = _sources_file().model_validate(data)
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
            if location and location[0] in kind_names():
                location = location[1:]  # the discriminator's tag, not a field
        field = ".".join(str(part) for part in location) or "(根)"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: 字段 {field}: {message}")
    return "来源文件有误：\n" + "\n".join(lines)
