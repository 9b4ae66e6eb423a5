"""Sources as data: load and validate a sources file; errors name the file, the source and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigurationError


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListSpec(_Spec):
    """How to read a list page."""

    item: str
    link: str
    next_page: str | None = None
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5


class DetailSpec(_Spec):
    """How to read a detail page; ``content`` selects an element whose text is extracted."""

    title: str
    content: str
    published_at: str | None = None
    author: str | None = None


class SourceSpec(_Spec):
    """One source of posts."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]
    kind: Literal["list_detail"]
    title: str = ""
    start_urls: Annotated[list[str], Field(min_length=1)]
    interval_minutes: Annotated[int, Field(ge=1)] = 60
    encoding: str = "auto"
    relevance: Literal["livestock", "all"] = "livestock"
    enabled: bool = True
    list: ListSpec
    detail: DetailSpec


class SourcesFile(_Spec):
    """The whole sources file."""

    sources: list[SourceSpec]


def parse_sources(data: object, *, origin: str) -> list[SourceSpec]:
    """Validate sources data; a problem raises ConfigurationError naming origin, source and field."""
    try:
        parsed = SourcesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, data, origin)) from exc
    names = [source.name for source in parsed.sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigurationError(f"{origin}: 来源名称重复：{', '.join(duplicates)}")
    return parsed.sources


def load_sources(path: Path) -> list[SourceSpec]:
    """Read and validate a sources YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{path}: 无法读取来源文件：{exc.strerror}") from exc
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
        field = ".".join(str(part) for part in location) or "(根)"
        lines.append(f"{where}: 字段 {field}: {error['msg']}")
    return "来源文件有误：\n" + "\n".join(lines)
