"""Search services: query, keep the index in step with the database (the search outbox), rebuild it."""

from __future__ import annotations

import fcntl
import logging
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.db import get_engine, reading, session_scope
from core.errors import Conflict, InvalidInput, ServiceUnavailable
from core.models import Post, SearchOutbox
from core.search import plugins
from core.search.base import AGGREGATIONS, MAX_WINDOW, Bucket, SearchBackend, SearchQuery
from core.search.changes import take_sync_request
from core.search.documents import load_documents, tokenise
from core.search.highlight import highlight, snippet

log = logging.getLogger(__name__)

BATCH_SIZE = 500
_backends: dict[tuple[str, str, str], SearchBackend] = {}
_backends_lock = threading.Lock()


def get_backend(settings: Settings | None = None) -> SearchBackend:
    """The configured search backend (one instance per configuration per process)."""
    settings = settings or get_settings()
    if settings.search_backend == "elasticsearch":
        key = ("elasticsearch", settings.elasticsearch_url or "", settings.elasticsearch_index_prefix)
    else:
        key = ("fts5", str(settings.resolved_data_dir / "search"), "")
    with _backends_lock:
        backend = _backends.get(key)
        if backend is None:
            backend = _make_backend(settings)
            _backends[key] = backend
        return backend


def forget_backends() -> None:
    """Drop cached backends (after fork, or when tests change settings)."""
    with _backends_lock:
        _backends.clear()


def _make_backend(settings: Settings) -> SearchBackend:
    if settings.search_backend == "elasticsearch":
        from core.search.elastic import ElasticsearchBackend

        assert settings.elasticsearch_url is not None  # the settings validator requires it
        return ElasticsearchBackend(
            settings.elasticsearch_url,
            prefix=settings.elasticsearch_index_prefix,
            replicas=settings.elasticsearch_replicas,
            timeout=settings.elasticsearch_timeout,
        )
    from core.search.fts5 import Fts5Backend

    return Fts5Backend(settings.resolved_data_dir / "search")


# -- querying ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class SearchHit:
    """One matching post, with the matched words marked in its title and in a snippet of its text."""

    post_id: int
    title: str
    title_html: str
    snippet_html: str
    url: str | None
    author: str | None
    source: str | None
    time: datetime
    category: str | None
    severity: str | None
    sentiment: str | None
    section: str | None
    alert_id: int | None
    score: float | None


@dataclass(slots=True)
class SearchPage:
    """One page of results, the total, the query's tokens, and the aggregations when asked for."""

    total: int
    hits: list[SearchHit]
    tokens: list[str]
    backend: str
    aggregations: dict[str, list[Bucket]] | None = field(default=None)


def search(*, query: SearchQuery) -> SearchPage:
    """Full-text search over posts with filters, sort, highlights and (optionally) aggregations."""
    if query.limit < 0 or query.offset < 0 or query.limit > 100:
        raise InvalidInput("每页条数应在 0 到 100 之间", details={"field": "size"})
    if query.offset + query.limit > MAX_WINDOW:
        raise InvalidInput(f"只能翻看前 {MAX_WINDOW} 条结果，请缩小搜索范围", details={"field": "page"})
    if query.start is not None and query.end is not None and query.start >= query.end:
        raise InvalidInput("开始时间应早于结束时间", details={"field": "start"})
    tokens = list(dict.fromkeys(plugins.query_tokens(query.text))) if query.text.strip() else []
    backend = get_backend()
    if query.text.strip() and not tokens:
        # Only punctuation or stopwords: nothing can match, and "everything" would surprise.
        empty: dict[str, list[Bucket]] | None = {name: [] for name in AGGREGATIONS} if query.aggregations else None
        return SearchPage(total=0, hits=[], tokens=[], backend=backend.name, aggregations=empty)
    raw = backend.search(query, tokens)
    hits = [
        SearchHit(
            post_id=hit.document.post_id,
            title=hit.document.title,
            title_html=highlight(hit.document.title, tokens),
            snippet_html=snippet(hit.document.content, tokens),
            url=hit.document.url,
            author=hit.document.author,
            source=hit.document.source,
            time=hit.document.time,
            category=hit.document.category,
            severity=hit.document.severity,
            sentiment=hit.document.sentiment,
            section=hit.document.section,
            alert_id=hit.document.alert_id,
            score=round(hit.score, 4) if hit.score is not None else None,
        )
        for hit in raw.hits
    ]
    return SearchPage(total=raw.total, hits=hits, tokens=tokens, backend=backend.name, aggregations=raw.aggregations)


# -- keeping the index in step ----------------------------------------------------------------------

_process_locks: dict[str, threading.Lock] = {}


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Hold the named lock across processes without waiting; yields False when another holder has it.

    PostgreSQL: a session advisory lock. SQLite: a lock file beside the database (one machine by design).
    """
    lock = _process_locks.setdefault(name, threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        engine = get_engine()
        if engine.dialect.name == "postgresql":
            key = zlib.crc32(f"muqing:{name}".encode())
            with engine.connect() as connection:
                acquired = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
                connection.commit()
                try:
                    yield acquired
                finally:
                    if acquired:
                        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                        connection.commit()
        else:
            path = get_settings().resolved_data_dir / f".{name}.lock"
            with path.open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        lock.release()


def pending_count(session: Session) -> int:
    """Posts whose document still waits to reach the index."""
    return session.scalar(select(func.count(func.distinct(SearchOutbox.post_id)))) or 0


def sync(*, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> int:
    """Bring changed posts' documents into the index, oldest change first; returns how many posts were written.

    One sync runs at a time, so a slow writer can never overwrite a newer document with an older one.
    A search engine outage leaves the rows in the outbox for the next run and is logged, not raised.
    """
    written = 0
    with exclusive("search-sync") as acquired:
        if not acquired:
            return 0
        backend = get_backend()
        _upgrade_outdated(backend)
        batches = 0
        take_sync_request()
        while max_batches is None or batches < max_batches:
            # Read as a WAL reader: loading a batch of documents never holds the write lock.
            with reading(), session_scope() as session:
                rows = session.execute(
                    select(SearchOutbox.id, SearchOutbox.post_id).order_by(SearchOutbox.id).limit(batch_size)
                ).all()
                post_ids = sorted({post_id for _, post_id in rows})
                documents = load_documents(session, post_ids=post_ids) if rows else {}
            if not rows:
                # A commit since the last read asked for a sync whose job may find this one still running.
                if take_sync_request():
                    continue
                break
            tokenise(documents.values())
            deletions = [post_id for post_id in post_ids if post_id not in documents]
            try:
                backend.write(list(documents.values()), deletions)
            except ServiceUnavailable as exc:
                log.warning("search index behind by %d change(s), will retry: %s", len(rows), exc.message)
                break
            with session_scope() as session:
                session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row_id for row_id, _ in rows])))
            written += len(post_ids)
            batches += 1
    return written


def _upgrade_outdated(backend: SearchBackend) -> None:
    """Rebuild a live index made by an older schema (say, without character fields) once it is noticed."""
    try:
        if not backend.outdated():
            return
    except ServiceUnavailable as exc:
        log.warning("cannot tell whether the search index is current, will retry: %s", exc.message)
        return
    log.info("search index %s has an older schema: rebuilding it", backend.live_index())
    try:
        report = reindex()
    except Conflict:
        log.info("search index rebuild already running elsewhere")
        return
    log.info("search index rebuilt: %d posts in %s", report.documents, report.index)


@dataclass(slots=True)
class ReindexReport:
    """What a rebuild did."""

    index: str
    previous: str | None
    documents: int


def reindex(*, batch_size: int = BATCH_SIZE) -> ReindexReport:
    """Rebuild the index from the database into a new index, then swap it in atomically; searches never stop."""
    with exclusive("search-reindex") as acquired:
        if not acquired:
            raise Conflict("另一个重建索引任务正在进行")
        backend = get_backend()
        backend.ensure_ready()
        name = backend.begin_rebuild()
        documents = 0
        try:
            last_id = 0
            while True:
                with reading(), session_scope() as session:
                    ids = list(
                        session.scalars(select(Post.id).where(Post.id > last_id).order_by(Post.id).limit(batch_size))
                    )
                    if not ids:
                        break
                    batch = load_documents(session, post_ids=ids)
                tokenise(batch.values())
                backend.write_rebuild(name, list(batch.values()))
                documents += len(batch)
                last_id = ids[-1]
                log.info("reindex: %d documents written to %s", documents, name)
            previous = backend.finish_rebuild(name)
        except BaseException:
            backend.abort_rebuild(name)
            raise
    return ReindexReport(index=name, previous=previous, documents=documents)
