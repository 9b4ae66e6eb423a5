"""Crawl services: sync sources from a file into the database, run crawls in child processes."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import session_scope
from core.errors import NotFound
from core.models import CrawlRun, Source
from core.outbox import add_event
from core.service import ensure_source
from core.timeutil import utcnow
from crawlers.quality import Verdict, judge_run, last_verdict
from crawlers.sources import KINDS, AnySource

log = logging.getLogger(__name__)

CRAWL_TIMEOUT_SECONDS = 3600
CRAWLABLE_KINDS = KINDS
# Handled by alerts (the notifications): a source whose parsing degraded, for the admins.
SOURCE_HEALTH_TOPIC = "alerts.notify_source_health"


def sync_sources(session: Session, *, specs: list[AnySource]) -> list[Source]:
    """Create or update a Source row for each spec."""
    sources = []
    for spec in specs:
        source = ensure_source(
            session,
            name=spec.name,
            kind=spec.kind,
            config=spec.model_dump(mode="json", exclude_defaults=False),
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
    errors: dict[str, int] = field(default_factory=dict)
    items: int = 0
    duplicates: int = 0


def crawl_source(
    *,
    source_id: int,
    scrapy_overrides: dict[str, Any] | None = None,
    timeout: float = CRAWL_TIMEOUT_SECONDS,
    params: dict[str, Any] | None = None,
) -> CrawlOutcome:
    """Crawl one source in a child process, record the run and update the source's health."""
    with session_scope() as session:
        source = session.get(Source, source_id)
        if source is None:
            raise NotFound(f"来源 {source_id} 不存在")
        crawl_run = CrawlRun(source_id=source_id, started_at=utcnow(), params=params or {})
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
    log_path = crawl_log_path(run_id)
    with log_path.open("wb") as log_file:
        try:
            completed = subprocess.run(command, stdout=log_file, stderr=subprocess.STDOUT, timeout=timeout, check=False)
            if completed.returncode != 0:
                error = f"爬取进程退出码 {completed.returncode}：{_tail(log_path)}"
        except subprocess.TimeoutExpired:
            error = f"爬取超过 {timeout:.0f} 秒未结束，已终止"
    _relay_new_posts()
    with session_scope() as session:
        finished = session.get(CrawlRun, run_id)
        source = session.get(Source, source_id)
        assert finished is not None and source is not None
        crawl_run = finished
        previous = last_verdict(session, source=source)
        crawl_run.finished_at = utcnow()
        fatal = (crawl_run.stats or {}).get("fatal")
        error = error or fatal
        if error is None and crawl_run.items == 0 and crawl_run.errors > 0:
            reasons = ", ".join(f"{k}×{v}" for k, v in sorted((crawl_run.stats or {}).get("errors", {}).items()))
            error = f"没有抓到任何帖子，只有错误：{reasons}"
        crawl_run.error = error
        failed = error is not None
        crawl_run.status = "failed" if failed else "succeeded"
        if failed:
            source.consecutive_failures += 1
            log.error("crawl of %s failed: %s", source.name, error)
        else:
            source.consecutive_failures = 0
            source.last_success_at = crawl_run.finished_at
            if crawl_run.items > 0 or crawl_run.stored > 0:
                source.last_productive_at = crawl_run.finished_at
        _judge(session, source=source, run=crawl_run, previous=previous)
        return CrawlOutcome(
            run_id,
            crawl_run.status,
            crawl_run.stored,
            dict(crawl_run.drops),
            error,
            errors=dict((crawl_run.stats or {}).get("errors", {})),
            items=crawl_run.items,
            duplicates=crawl_run.duplicates,
        )


def _judge(session: Session, *, source: Source, run: CrawlRun, previous: Verdict | None) -> None:
    """Judge the run's parsing; a source that just became degraded (解析异常) is reported to the admins."""
    verdict = judge_run(session, source=source, run=run)
    if verdict.degraded and not (previous is not None and previous.degraded):
        log.warning("source %s reads differently from its history: %s", source.name, verdict.message)
        add_event(
            session,
            topic=SOURCE_HEALTH_TOPIC,
            payload={"source_id": source.id, "run_id": run.id, "status": "degraded", "message": verdict.message},
        )


def _relay_new_posts() -> None:
    """Hand the crawl's analysis jobs to the queue (the child leaves them in the outbox)."""
    from core import outbox
    from core.search.changes import request_sync

    try:
        for _ in range(1000):  # bounded: 500 events a call
            if outbox.relay(limit=500) < 500:
                break
        request_sync()
    except Exception:
        # They stay in the outboxes; the scheduled relay and search sync pick them up.
        log.exception("relaying the crawl's outbox events failed")


def crawl_log_path(run_id: int) -> Path:
    """Where the child process of crawl run ``run_id`` writes its log."""
    directory = get_settings().resolved_data_dir / "logs" / "crawl"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"run-{run_id}.log"


def _tail(path: Path, size: int = 2000) -> str:
    data = path.read_bytes()[-size:]
    return data.decode("utf-8", "replace")


def due_source_ids(session: Session) -> list[int]:
    """Enabled crawlable sources whose interval has passed since their last crawl."""
    now = utcnow()
    due = []
    query = select(Source).where(Source.enabled.is_(True), Source.kind.in_(CRAWLABLE_KINDS)).order_by(Source.id)
    for source in session.scalars(query):
        if source.last_crawl_at is None or source.last_crawl_at + timedelta(minutes=source.interval_minutes) <= now:
            due.append(source.id)
    return due


LOST_RUN = "抓取中断：执行抓取的任务进程已退出，本次抓取未完成（已自动重启任务进程）"


def mark_lost_runs(session: Session) -> int:
    """Close every run still marked running as failed; for a launcher whose only job runner has just exited."""
    runs = list(session.scalars(select(CrawlRun).where(CrawlRun.status == "running")))
    for run in runs:
        run.status = "failed"
        run.finished_at = utcnow()
        run.error = LOST_RUN
    return len(runs)
