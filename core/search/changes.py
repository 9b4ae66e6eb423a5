"""Change tracking: any flush that alters what a post's search document holds writes a search-outbox row.

The row goes into the same transaction as the change, so the index can lag behind the database but never
miss a change: committed posts reach the index when the search engine is reachable, however long it was down.
Which classes matter is registered with ``core.search.plugins.track`` (core's own below; alerts' in
``alerts.cases.search``). Changes made through the ORM unit of work are seen; a bulk ``update()``/``delete()``
statement bypasses it and must call ``mark_changed`` for the posts it touches.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from core.config import get_settings
from core.models import Analysis, Post, SearchOutbox
from core.search import plugins
from core.timeutil import utcnow

log = logging.getLogger(__name__)

SYNC_TASK = "core.sync_search"
_COLLECTED = "muqing_search_post_ids"
_WRITTEN = "muqing_search_outbox_written"

POST_FIELDS = ("title", "content", "url", "author", "source_id", "published_at")
ANALYSIS_FIELDS = ("category", "severity", "sentiment")


def _post_ids_of_post(session: Session, post: Post) -> Iterable[int]:
    return [post.id]


def _post_ids_of_analysis(session: Session, analysis: Analysis) -> Iterable[int]:
    return [analysis.post_id]


plugins.track(Post, post_ids=_post_ids_of_post, fields=POST_FIELDS)
plugins.track(Analysis, post_ids=_post_ids_of_analysis, fields=ANALYSIS_FIELDS)


def _changed(obj: Any, fields: frozenset[str] | None) -> bool:
    state = inspect(obj)
    names = fields if fields is not None else frozenset(attr.key for attr in state.mapper.column_attrs)
    return any(state.attrs[name].history.has_changes() for name in names if name in state.attrs)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context: UOWTransaction) -> None:
    plugins.load()
    post_ids: set[int] = session.info.setdefault(_COLLECTED, set())
    for obj in (*session.new, *session.deleted, *session.dirty):
        tracker = plugins.tracker_for(type(obj))
        if tracker is None:
            continue
        if obj in session.dirty and not _changed(obj, tracker.fields):
            continue
        post_ids.update(post_id for post_id in tracker.post_ids(session, obj) if post_id is not None)


@event.listens_for(Session, "after_flush_postexec")
def _write(session: Session, flush_context: UOWTransaction) -> None:
    post_ids = session.info.pop(_COLLECTED, None)
    if not post_ids:
        return
    now = utcnow()
    session.connection().execute(
        insert(SearchOutbox), [{"post_id": post_id, "created_at": now} for post_id in sorted(post_ids)]
    )
    session.info[_WRITTEN] = True


def mark_changed(session: Session, *, post_ids: Iterable[int]) -> None:
    """Record in the caller's transaction that these posts' documents changed (for bulk statements)."""
    rows = [{"post_id": post_id, "created_at": utcnow()} for post_id in sorted(set(post_ids))]
    if rows:
        session.execute(insert(SearchOutbox), rows)
        session.info[_WRITTEN] = True


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_COLLECTED, None)
    session.info.pop(_WRITTEN, None)


def take_written_flag(session: Session) -> bool:
    """True once after a commit in which search-outbox rows were written."""
    return bool(session.info.pop(_WRITTEN, False))


@event.listens_for(Session, "after_commit")
def _sync_after_commit(session: Session) -> None:
    # A released SAVEPOINT also fires after_commit: its rows are not committed yet, and an inline sync would
    # wait for the write lock this very session holds.
    if session.in_nested_transaction() or not take_written_flag(session):
        return
    from kombu.exceptions import OperationalError as BrokerError

    # Fail fast; the scheduled sync (core.sync_search, every few seconds) catches up on anything left,
    # since the rows stay in the search outbox until their documents are in the index.
    try:
        request_sync()
    except BrokerError as exc:
        log.warning("search index sync deferred to the scheduled run, the job queue is unavailable: %s", exc)
    except Exception:
        log.exception("search index sync deferred to the scheduled run")


def _request_marker() -> Path | None:
    settings = get_settings()
    if settings.broker_url or settings.tasks_eager:
        return None
    return settings.resolved_data_dir / ".search-sync.requested"


def request_sync() -> None:
    """Send a search sync job, unless one already sent has not started yet (embedded mode).

    In the embedded mode every process shares the data directory: a marker file there stands for the job
    waiting in the queue, so a burst of commits sends one job instead of one each. The job removes the marker
    when it starts (``take_sync_request``); the scheduled sync also does, so a lost job holds nothing up long.
    """
    from core.tasks import enqueue

    marker = _request_marker()
    if marker is not None:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    try:
        enqueue(SYNC_TASK, retry=False)
    except BaseException:
        if marker is not None:
            marker.unlink(missing_ok=True)
        raise


def take_sync_request() -> bool:
    """Called by the sync job once it holds the sync lock: True if a sync was asked for since the last call."""
    marker = _request_marker()
    if marker is None:
        return False
    try:
        marker.unlink()
    except FileNotFoundError:
        return False
    return True
