"""Crawl jobs."""

from __future__ import annotations

from core.db import session_scope
from core.tasks import celery_app
from crawlers.service import crawl_source as crawl_source_flow
from crawlers.service import due_source_ids


@celery_app.task(name="crawlers.crawl_source")
def crawl_source(source_id: int) -> None:
    """Crawl one source in a child process."""
    crawl_source_flow(source_id=source_id)


@celery_app.task(name="crawlers.crawl_due_sources")
def crawl_due_sources() -> None:
    """Queue a crawl for every source whose interval has passed."""
    with session_scope() as session:
        due = due_source_ids(session)
    for source_id in due:
        crawl_source.delay(source_id=source_id)
