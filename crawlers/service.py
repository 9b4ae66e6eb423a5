"""Crawl services: sync sources from a file into the database, run crawls in child processes."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.errors import NotFound
from core.models import CrawlRun, Source
from core.service import ensure_source
from core.timeutil import utcnow
from crawlers.sources import SourceSpec

log = logging.getLogger(__name__)

CRAWL_TIMEOUT_SECONDS = 3600


def sync_sources(session: Session, *, specs: list[SourceSpec]) -> list[Source]:
    """Create or update a Source row for each spec."""
    sources = []
    for spec in specs:
        source = ensure_source(
            session,
            name=spec.name,
            kind=spec.kind,
            config=spec.model_dump(mode="json"),
            interval_minutes=spec.interval_minutes,
            title=spec.title,
        )
        source.enabled = spec.enabled
        sources.append(source)
    return sources


def get_source(session: Session, *, name: str) -> Source:
    """The source called ``name``, or NotFound."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        raise NotFound(f"来源 {name} 不存在")
    return source


@dataclass(frozen=True, slots=True)
class CrawlOutcome:
    """What one crawl did."""

    run_id: int
    status: str
    stored: int
    drops: dict[str, Any]
    error: str | None


def crawl_source(
    *, source_id: int, scrapy_overrides: dict[str, Any] | None = None, timeout: float = CRAWL_TIMEOUT_SECONDS
) -> CrawlOutcome:
    """Crawl one source in a child process, record the run and update the source's health."""
    with session_scope() as session:
        source = session.get(Source, source_id)
        if source is None:
            raise NotFound(f"来源 {source_id} 不存在")
        crawl_run = CrawlRun(source_id=source_id, started_at=utcnow())
        # Mark the start, so the scheduler does not queue the same source again while this crawl runs.
        source.last_crawl_at = crawl_run.started_at
        session.add(crawl_run)
        session.flush()
        run_id = crawl_run.id
    command = [
        sys.executable,
        "-m",
        "crawlers.runner",
        "--run-id",
        str(run_id),
        "--settings",
        json.dumps(scrapy_overrides or {}),
    ]
    error: str | None = None
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if completed.returncode != 0:
            error = f"爬取进程退出码 {completed.returncode}：{completed.stderr[-2000:]}"
    except subprocess.TimeoutExpired:
        error = f"爬取超过 {timeout:.0f} 秒未结束，已终止"
    with session_scope() as session:
        finished = session.get(CrawlRun, run_id)
        source = session.get(Source, source_id)
        assert finished is not None and source is not None
        crawl_run = finished
        crawl_run.finished_at = utcnow()
        crawl_run.error = error
        failed = error is not None or (crawl_run.items == 0 and crawl_run.errors > 0)
        crawl_run.status = "failed" if failed else "succeeded"
        if failed:
            source.consecutive_failures += 1
            log.error("crawl of %s failed: %s", source.name, error or f"{crawl_run.errors} errors")
        else:
            source.consecutive_failures = 0
            source.last_success_at = crawl_run.finished_at
        return CrawlOutcome(run_id, crawl_run.status, crawl_run.stored, dict(crawl_run.drops), error)


def due_source_ids(session: Session) -> list[int]:
    """Enabled sources whose interval has passed since their last crawl."""
    now = utcnow()
    due = []
    for source in session.scalars(select(Source).where(Source.enabled.is_(True)).order_by(Source.id)):
        if source.last_crawl_at is None or source.last_crawl_at + timedelta(minutes=source.interval_minutes) <= now:
            due.append(source.id)
    return due
