"""Shared test helpers: crawl a source definition in a child process against the fixture server."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.crawlers.site_server import FIXTURES

REFERENCE_NOW = "2026-03-18T10:00:00+08:00"
# Polite delays off (the server is ours), the clock pinned to the fixtures' "now", short waits for bad paths.
FAST: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "LOG_LEVEL": "INFO",
    "MUQING_NOW": REFERENCE_NOW,
    "DOWNLOAD_TIMEOUT": 3,
    "MUQING_RETRY_BACKOFF_BASE": 0.05,
}


def expected_records(site: str) -> list[dict[str, Any]]:
    """The rows of expected.json for ``site``."""
    data = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    return [record for record in data["records"] if record["site"] == site]


def crawl(spec: dict[str, Any], overrides: dict[str, Any] | None = None) -> Any:
    """Sync ``spec`` as a source and crawl it once in a child process."""
    from core.db import session_scope
    from crawlers.service import crawl_source, sync_sources
    from crawlers.sources import parse_source

    with session_scope() as session:
        source_id = sync_sources(session, specs=[parse_source(spec)])[0].id
    return crawl_source(source_id=source_id, scrapy_overrides={**FAST, **(overrides or {})})


def posts_by_url(base_url: str = "") -> dict[str, Any]:
    """Every stored post, keyed by URL with ``base_url`` removed (detached, safe to read after)."""
    from sqlalchemy.orm import selectinload

    from core.db import session_scope
    from core.models import Post

    with session_scope() as session:
        posts = session.scalars(
            select(Post).options(selectinload(Post.snapshots), selectinload(Post.links), selectinload(Post.source))
        ).all()
        for post in posts:
            _ = [snapshot.raw for snapshot in post.snapshots]
        session.expunge_all()
    return {(post.url or "").replace(base_url, ""): post for post in posts}


def iso(value: datetime | None) -> str | None:
    """An aware datetime in Asia/Shanghai, ISO 8601 (as expected.json writes times)."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Asia/Shanghai")).isoformat() if value else None


def load_text(path: Path) -> str:
    """A fixture file as text."""
    return path.read_text(encoding="utf-8")


class BreaksOnSlaughterPipeline:
    """A pipeline with a bug: it raises on any item whose title names a slaughter point (counting tests)."""

    def process_item(self, item: Any) -> Any:
        """Raise on a slaughter-point title, pass everything else."""
        if "屠宰点" in item.title:
            raise RuntimeError("a bug in a pipeline")
        return item
