"""Import hotline work orders (CSV or XLSX, read by ``import_files``) with a configurable column mapping.

Good rows become posts of the mapping's source, each marked as a work order (``extra.hotline``: order
number and the hotline's deadline) so that it becomes a case directly, whatever the classifier says; bad rows
are listed with their row number (as the
spreadsheet shows it: the header is row 1) and the reason. A row whose id is already stored is left as
it is, so importing the same file again changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.errors import ConfigurationError, InvalidInput
from core.models import Post
from core.posts import EvidenceIn, PostIn, store_many
from core.service import ensure_source
from core.timeutil import local_zone, utcnow
from core.urls import web_link
from crawlers.dates import parse_published
from crawlers.import_files import BrokenFile, read_rows

BUILTIN_MAPPINGS = Path(__file__).with_name("resources") / "import_mappings.yaml"
DEFAULT_MAPPING = "beijing12345"
MAX_ROWS = 200_000
CHUNK = 500


def _columns(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


Columns = Annotated[list[str], BeforeValidator(_columns)]


class Mapping(BaseModel):
    """Which column holds each field (a list means: the first non-empty of these)."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    source_title: str = ""
    external_id: Columns = Field(default_factory=list)
    title: Columns = Field(default_factory=list)
    content: Columns = Field(default_factory=list)
    published_at: Columns = Field(default_factory=list)
    author: Columns = Field(default_factory=list)
    url: Columns = Field(default_factory=list)
    # The hotline's deadline for the order (处理时限): a time, a date, or an amount such as 3个工作日.
    due: Columns = Field(default_factory=list)
    extra: dict[str, str] = Field(default_factory=dict)


@dataclass(slots=True)
class RowError:
    """A row that was not imported, and why."""

    row: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    source: str
    imported: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)


def _mapping_files() -> list[Path]:
    files = [BUILTIN_MAPPINGS]
    user_file = get_settings().resolved_data_dir / "import_mappings.yaml"
    if user_file.is_file():
        files.append(user_file)
    return files


def available_mappings() -> dict[str, Mapping]:
    """Built-in mappings plus those in ``<data dir>/import_mappings.yaml`` (which win on a name clash)."""
    found: dict[str, Mapping] = {}
    for path in _mapping_files():
        found.update(_read_mappings(path))
    return found


def _read_mappings(path: Path) -> dict[str, Mapping]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: 无法读取导入映射：{exc}") from exc
    entries = data.get("mappings") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ConfigurationError(f"{path}: 导入映射文件应有 mappings: 名称 → 列映射")
    mappings = {}
    for name, entry in entries.items():
        try:
            mappings[str(name)] = Mapping.model_validate(entry)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigurationError(f"{path}: 映射 {name}: {problems}") from exc
    return mappings


def resolve_mapping(name: str | None) -> Mapping:
    """A mapping by name, or from a YAML file path holding one mapping (or a ``mappings:`` block of one)."""
    name = name or DEFAULT_MAPPING
    mappings = available_mappings()
    if name in mappings:
        return mappings[name]
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("mappings"), dict) and len(data["mappings"]) == 1:
            return next(iter(_read_mappings(path).values()))
        try:
            return Mapping.model_validate(data)
        except ValidationError as exc:
            raise ConfigurationError(f"{path}: 导入映射有误：{exc}") from exc
    raise InvalidInput(
        f"没有名为 {name} 的导入映射（可用：{', '.join(sorted(mappings))}）", details={"field": "mapping"}
    )


def _first(row: dict[str, str], columns: list[str]) -> str:
    for column in columns:
        value = (row.get(column) or "").strip()
        if value:
            return value
    return ""


def check_columns(mapping: Mapping, header: set[str]) -> list[str]:
    """Mapped fields none of whose columns the file has (named by their first column)."""
    fields = (mapping.external_id, mapping.title, mapping.content, mapping.published_at)
    return [columns[0] for columns in fields if columns and not any(column in header for column in columns)]


def import_work_orders(session: Session, *, data: bytes, filename: str, mapping: Mapping) -> ImportReport:
    """Import every good row; list every bad one with its row number and reason.

    Rows are committed in chunks, so a long import never holds the database for long and a file that breaks
    part-way keeps the rows read before the break (reported as an error on the row it broke at).
    """
    source = ensure_source(
        session,
        name=mapping.source,
        kind="import",
        config={"name": mapping.source, "kind": "import"},
        title=mapping.source_title or mapping.source,
    )
    source.enabled = False  # nothing to crawl: rows arrive by import
    report = ImportReport(source=mapping.source)
    seen_ids: dict[str, int] = {}
    zone = local_zone()
    now = utcnow()
    checked = False
    pending: list[tuple[int, PostIn]] = []
    rows = read_rows(data, filename=filename)
    while True:
        try:
            number, row = next(rows)
        except StopIteration:
            break
        except BrokenFile as exc:
            if not checked:
                raise
            report.errors.append(RowError(exc.row, exc.message))
            break
        if not checked:
            missing = check_columns(mapping, set(row))
            if missing:
                raise InvalidInput(f"文件缺少映射需要的列：{'、'.join(missing)}", details={"field": "file"})
            checked = True
        if number > MAX_ROWS:
            report.errors.append(RowError(number, f"超过单次导入上限 {MAX_ROWS} 行，其余未导入"))
            break
        post = _row_post(number, row, mapping=mapping, source_id=source.id, zone=zone, now=now, filename=filename)
        if isinstance(post, RowError):
            report.errors.append(post)
            continue
        assert post.external_id is not None
        if post.external_id in seen_ids:
            report.errors.append(RowError(number, f"编号 {post.external_id} 与第 {seen_ids[post.external_id]} 行重复"))
            continue
        seen_ids[post.external_id] = number
        pending.append((number, post))
        if len(pending) >= CHUNK:
            _store_chunk(session, pending, source_id=source.id, report=report)
            session.commit()  # let other writers in between chunks
            pending = []
    if not checked:
        raise InvalidInput("文件里没有数据行", details={"field": "file"})
    _store_chunk(session, pending, source_id=source.id, report=report)
    report.errors.sort(key=lambda error: error.row)
    return report


def _row_post(
    number: int, row: dict[str, str], *, mapping: Mapping, source_id: int, zone: Any, now: Any, filename: str
) -> PostIn | RowError:
    title, content = _first(row, mapping.title), _first(row, mapping.content)
    external_id = _first(row, mapping.external_id) if mapping.external_id else "row-" + _row_digest(row)
    if not external_id:
        return RowError(number, f"缺少{'/'.join(mapping.external_id)}")
    if not (title or content):
        return RowError(number, "标题和内容都为空")
    url = _first(row, mapping.url) or None
    if url and web_link(url) is None:
        return RowError(number, f"链接不是 http(s) 网址：{url[:100]}")
    raw_time = _first(row, mapping.published_at)
    published_at = parse_published(raw_time, zone=zone, now=now) if raw_time else None
    if raw_time and published_at is None:
        return RowError(number, f"时间无法识别：{raw_time}")
    return PostIn(
        url=url,
        title=title,
        content=content,
        source_id=source_id,
        author=_first(row, mapping.author) or None,
        published_at=published_at,
        external_id=external_id[:200],
        extra={
            **{key: row.get(column, "").strip() for key, column in mapping.extra.items() if row.get(column)},
            # What makes the post a work order: it becomes a case at once (alerts.cases.hotline), with this deadline.
            "hotline": {"order_no": external_id[:200], "due": _first(row, mapping.due) or None},
        },
        evidence=EvidenceIn(
            body=json.dumps({"file": filename, "row": number, "cells": row}, ensure_ascii=False).encode(),
            fetched_at=now,
            content_type="application/json",
            encoding="utf-8",
            role="import",
        ),
    )


def _store_chunk(session: Session, pending: list[tuple[int, PostIn]], *, source_id: int, report: ImportReport) -> None:
    """Leave rows whose id is stored as they are; store the rest together."""
    if not pending:
        return
    ids = [post.external_id for _, post in pending]
    stored = set(
        session.scalars(select(Post.external_id).where(Post.source_id == source_id, Post.external_id.in_(ids)))
    )
    fresh = [(number, post) for number, post in pending if post.external_id not in stored]
    report.unchanged += len(pending) - len(fresh)
    for (number, _post), (outcome, post_id) in zip(
        fresh, store_many(session, posts=[p for _, p in fresh]), strict=True
    ):
        if outcome == "created" and post_id is not None:
            report.imported += 1
            report.post_ids.append(post_id)
        elif outcome == "invalid":
            report.errors.append(RowError(number, "标题和内容都为空"))
        else:
            report.unchanged += 1


def _row_digest(row: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(row, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:24]


PUSH_SOURCE = "hotline-12345"
PUSH_TITLE = "12345 热线工单"


def push_orders(session: Session, *, orders: list[dict[str, Any]]) -> list[tuple[str, str, int | None]]:
    """Store work orders the city platform pushed (already validated): (order number, outcome, post id) each."""
    source = ensure_source(
        session, name=PUSH_SOURCE, kind="import", config={"name": PUSH_SOURCE, "kind": "import"}, title=PUSH_TITLE
    )
    source.enabled = False  # nothing to crawl: orders arrive by push and import
    now = utcnow()
    posts = []
    for order in orders:
        known = {"order_no", "title", "content", "received_at", "due", "caller"}
        posts.append(
            PostIn(
                url=None,
                title=str(order.get("title") or "").strip(),
                content=str(order["content"]).strip(),
                source_id=source.id,
                author=order.get("caller") or None,
                published_at=order["received_at"],
                external_id=str(order["order_no"])[:200],
                extra={
                    **{key: value for key, value in order.items() if key not in known and value not in (None, "")},
                    "hotline": {"order_no": str(order["order_no"]), "due": order.get("due"), "pushed": True},
                },
                evidence=EvidenceIn(
                    body=json.dumps(order, ensure_ascii=False, default=str, sort_keys=True).encode(),
                    fetched_at=now,
                    content_type="application/json",
                    encoding="utf-8",
                    role="push",
                ),
            )
        )
    outcomes = store_many(session, posts=posts)
    return [
        (str(order["order_no"]), outcome, post_id) for order, (outcome, post_id) in zip(orders, outcomes, strict=True)
    ]
