"""Crawl commands: ``muqing crawl``, ``muqing sources list``, ``muqing import``, ``muqing posts export``."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from core.cli import fail, setup_logging
from core.errors import MuqingError

posts_app = typer.Typer(help="Posts.", no_args_is_help=True)
sources_app = typer.Typer(help="Sources and their health.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the crawl commands to the ``muqing`` command."""
    app.command()(crawl)
    app.add_typer(posts_app, name="posts")
    app.add_typer(sources_app, name="sources")


def crawl(
    config: Annotated[Path | None, typer.Option(help="a sources YAML file to load before crawling")] = None,
    source: Annotated[str | None, typer.Option(help="crawl only this source")] = None,
) -> None:
    """Crawl sources now (each in its own child process) and print what each run stored."""
    from core.config import get_settings
    from crawlers.sources import KINDS, load_sources

    setup_logging()
    config = config or get_settings().sources_file
    try:
        # A malformed file is refused at once, before the database is loaded, created or migrated for it.
        specs = load_sources(config) if config is not None else None
    except MuqingError as exc:
        raise fail(exc) from exc
    from sqlalchemy import select

    from core.db import session_scope
    from core.migrate import ensure_schema
    from core.models import Source
    from crawlers.service import crawl_source, get_source, sync_sources

    ensure_schema()
    try:
        with session_scope() as session:
            if specs is not None:
                loaded = sync_sources(session, specs=specs)
                ids = [s.id for s in loaded if source is None or s.name == source]
                if source is not None and not ids:
                    raise typer.BadParameter(f"source {source!r} is not in {config}")
            elif source is not None:
                ids = [get_source(session, name=source).id]
            else:
                ids = list(session.scalars(select(Source.id).where(Source.enabled.is_(True), Source.kind.in_(KINDS))))
            names = {s.id: s.name for s in session.scalars(select(Source).where(Source.id.in_(ids)))}
    except MuqingError as exc:
        raise fail(exc) from exc
    failed = 0
    for source_id in ids:
        typer.echo(f"crawling {names[source_id]} …", err=True)
        outcome = crawl_source(source_id=source_id)
        drops = ", ".join(f"{k}={v}" for k, v in sorted(outcome.drops.items())) or "none"
        errors = ", ".join(f"{k}={v}" for k, v in sorted(outcome.errors.items())) or "none"
        typer.echo(
            f"{names[source_id]}: {outcome.status}, {outcome.stored} new posts, {outcome.items} seen, "
            f"{outcome.duplicates} already known or linked, drops: {drops}, errors: {errors}"
        )
        if outcome.error:
            typer.echo(outcome.error, err=True)
            failed += 1
    _drain_jobs()
    raise typer.Exit(code=1 if failed else 0)


def _drain_jobs() -> None:
    """Run queued work inline when no job runner is configured for this command."""
    from core import outbox
    from core.config import get_settings

    settings = get_settings()
    if settings.tasks_eager:
        outbox.relay()


class ExportFormat(StrEnum):
    """Export file formats."""

    jsonl = "jsonl"
    csv = "csv"


EXPORT_FIELDS = (
    "id",
    "source",
    "url",
    "title",
    "content",
    "published_at",
    "author",
    "fetched_at",
    "external_id",
    "reads",
    "likes",
    "comments",
    "reposts",
    "deleted_at",
)


@posts_app.command("export")
def posts_export(
    format: Annotated[ExportFormat, typer.Option("--format", help="jsonl or csv")] = ExportFormat.jsonl,
    output: Annotated[Path | None, typer.Option(help="file to write; default stdout")] = None,
) -> None:
    """Export every post (times ISO 8601 with offset)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from core.db import session_scope
    from core.masked_files import export_cell
    from core.migrate import ensure_schema
    from core.models import Post
    from core.privacy import mask_name, mask_value
    from core.timeutil import isoformat_local

    ensure_schema()
    handle: TextIO = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS) if format == ExportFormat.csv else None
        if writer:
            writer.writeheader()
        with session_scope() as session:
            query = select(Post).options(selectinload(Post.source)).order_by(Post.id)
            for post in session.scalars(query):
                row: dict[str, Any] = {
                    "id": post.id,
                    "source": post.source_name,
                    "url": post.url,
                    "title": post.title,
                    "content": post.content,
                    "published_at": isoformat_local(post.published_at),
                    "author": post.author,
                    "fetched_at": isoformat_local(post.fetched_at),
                    "external_id": post.external_id,
                    "reads": post.reads,
                    "likes": post.likes,
                    "comments": post.comments,
                    "reposts": post.reposts,
                    "deleted_at": isoformat_local(post.deleted_at),
                }
                # Exports leave the system: personal data masked by the one policy (core.privacy).
                row = {key: mask_name(value) if key == "author" else value for key, value in row.items()}
                if writer:
                    writer.writerow({key: export_cell(value) for key, value in row.items()})
                else:
                    handle.write(json.dumps(mask_value(row), ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()


@sources_app.command("list")
def sources_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """Every source with its health: last success, consecutive failures, the blind warning."""
    from sqlalchemy import select

    from core.db import session_scope
    from core.migrate import ensure_schema
    from core.models import Source
    from core.timeutil import isoformat_local
    from crawlers.health import source_health

    ensure_schema()
    with session_scope() as session:
        rows: list[dict[str, Any]] = []
        for source in session.scalars(select(Source).order_by(Source.name)):
            health = source_health(session, source=source)
            rows.append(
                {
                    "name": source.name,
                    "kind": source.kind,
                    "enabled": source.enabled,
                    "interval_minutes": source.interval_minutes,
                    "health": health.status,
                    "blind": health.blind,
                    "message": health.message,
                    "last_success_at": isoformat_local(source.last_success_at),
                    "last_crawl_at": isoformat_local(source.last_crawl_at),
                    "consecutive_failures": source.consecutive_failures,
                    "posts": len(source.posts),
                }
            )
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        typer.echo(
            "没有来源（在 系统管理 › 采集来源 添加，或用 muqing crawl --config 文件 加载；"
            "muqing db seed 导入所选配置的公开渠道）"
        )
        return
    header = ("来源", "类型", "间隔", "状态", "上次成功", "连续失败", "帖子数", "说明")
    lines = [header] + [
        (
            row["name"],
            row["kind"],
            f"{row['interval_minutes']}分钟",
            ("⚠ " if row["blind"] else "") + _label(row["health"]),
            (row["last_success_at"] or "—")[:16].replace("T", " "),
            str(row["consecutive_failures"]),
            str(row["posts"]),
            row["message"],
        )
        for row in rows
    ]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(line[:-1])]
        typer.echo("  ".join([*cells, line[-1]]))


def _label(status: str) -> str:
    from crawlers.health import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)
