"""Core jobs: relay the outbox, keep the search index in step, rebuild it."""

from __future__ import annotations

from typing import Any

from core import outbox
from core.search import service as search
from core.tasks import celery_app


@celery_app.task(name="core.relay_outbox")
def relay_outbox() -> int:
    """Send outbox events that were not relayed right after their commit (or whose job was lost)."""
    sent = outbox.relay()
    outbox.purge_completed()
    return sent


@celery_app.task(name="core.sync_search")
def sync_search() -> int:
    """Write the documents of changed posts to the search index (after each commit and on a schedule)."""
    return search.sync()


@celery_app.task(name="core.reindex_search")
def reindex_search() -> dict[str, Any]:
    """Rebuild the search index from the database and swap it in without downtime."""
    report = search.reindex()
    return {"index": report.index, "previous": report.previous, "documents": report.documents}
