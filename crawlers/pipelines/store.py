"""Store items as Posts with their evidence, off the reactor thread, in small batches.

Parsing runs on the reactor thread; database writes run in one worker thread, a batch per transaction
with a savepoint per item, so a failing item loses only itself and the crawl never waits on the disk.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twisted.internet import defer, task, threads
from twisted.python.threadpool import ThreadPool

from core.db import session_scope
from core.models import Source
from core.outbox import PENDING_FLAG
from core.posts import EvidenceIn, PostIn, store_many
from core.search.changes import take_written_flag
from crawlers.items import PostItem
from crawlers.pipelines import Pipeline

log = logging.getLogger(__name__)

BATCH_SIZE = 50
FLUSH_SECONDS = 0.5
# Batches waiting for the writer before new items wait too (bounds memory when the disk is slow).
MAX_IN_FLIGHT = 8


class StorePipeline(Pipeline):
    """Counts ``muqing/stored``, ``muqing/already_known``, ``muqing/linked``, ``muqing/errors/store_failed``."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pending: list[PostItem] = []
        self._in_flight: list[defer.Deferred[None]] = []
        self._waiters: list[defer.Deferred[None]] = []
        self._source_id: int | None = None
        self._pool: ThreadPool | None = None
        self._loop: task.LoopingCall | None = None

    def open_spider(self) -> None:
        spider = self.spider
        with session_scope() as session:
            self._source_id = session.scalar(select(Source.id).where(Source.name == spider.source.name))
        self._pool = ThreadPool(minthreads=1, maxthreads=1, name="muqing-store")
        self._pool.start()
        self._loop = task.LoopingCall(self._flush)
        self._loop.start(FLUSH_SECONDS, now=False)

    async def process_item(self, item: PostItem) -> PostItem:
        self._pending.append(item)
        if len(self._pending) >= BATCH_SIZE:
            self._flush()
        while len(self._in_flight) >= MAX_IN_FLIGHT:
            waiter: defer.Deferred[None] = defer.Deferred()
            self._waiters.append(waiter)
            await maybe_deferred_to_future(waiter)
        return item

    async def close_spider(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._flush()
        try:
            await maybe_deferred_to_future(defer.DeferredList(list(self._in_flight), consumeErrors=True))
        finally:
            if self._pool is not None:
                self._pool.stop()

    def _flush(self) -> None:
        if not self._pending or self._pool is None:
            return
        batch, self._pending = self._pending, []
        from twisted.internet import reactor  # the one Scrapy installed; never install one at import

        written: defer.Deferred[None] = threads.deferToThreadPool(reactor, self._pool, self._write, batch)

        def _forget(result: Any) -> Any:
            if written in self._in_flight:
                self._in_flight.remove(written)
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                waiter.callback(None)
            return result

        written.addErrback(self._failed, len(batch))
        written.addBoth(_forget)
        self._in_flight.append(written)

    def _failed(self, failure: Any, size: int) -> None:
        self.crawler.stats.inc_value("muqing/errors/store_failed", size)
        log.error("storing a batch of %d posts failed: %s", size, failure.getTraceback())

    def _write(self, batch: list[PostItem]) -> None:
        stats = self.crawler.stats
        posts = [self._post_in(item) for item in batch]
        try:
            with session_scope() as session:
                outcomes = store_many(session, posts=posts)
                # The parent relays the outbox and syncs search once the crawl ends, off the crawl's path.
                session.info.pop(PENDING_FLAG, None)
                take_written_flag(session)
        except IntegrityError:
            # Another crawl stored one of these URLs meanwhile: store one by one, each in its own savepoint.
            outcomes = self._write_one_by_one(posts)
        for outcome, _post_id in outcomes:
            key = {"created": "stored", "known": "already_known", "linked": "linked"}.get(
                outcome, "errors/store_failed"
            )
            stats.inc_value(f"muqing/{key}")

    def _write_one_by_one(self, posts: list[PostIn]) -> list[tuple[str, int | None]]:
        outcomes: list[tuple[str, int | None]] = []
        with session_scope() as session:
            for post in posts:
                try:
                    with session.begin_nested():
                        outcomes += store_many(session, posts=[post])
                    session.info.pop(PENDING_FLAG, None)
                    take_written_flag(session)
                except Exception as exc:  # one bad post must not lose the others; counted and logged
                    log.error("could not store %s: %s", post.url, exc, exc_info=True)
                    outcomes.append(("failed", None))
        return outcomes

    def _post_in(self, item: PostItem) -> PostIn:
        evidence = item.evidence
        return PostIn(
            url=item.url,
            title=item.title,
            content=item.content,
            source_id=self._source_id,
            author=item.author,
            published_at=item.published_at,
            external_id=item.external_id,
            engagement=item.engagement,
            extra={key: value for key, value in item.extra.items() if key != "refresh_only" and value is not None},
            evidence=EvidenceIn(
                body=evidence.body,
                url=evidence.url,
                fetched_at=evidence.fetched_at,
                status=evidence.status,
                content_type=evidence.content_type,
                encoding=evidence.encoding,
                role=evidence.role,
            )
            if evidence is not None
            else None,
            keep_fragment=item.keep_fragment,
        )
