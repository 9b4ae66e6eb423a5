"""Store items as Posts with their evidence, off the reactor thread, in small batches.

Parsing runs on the reactor thread. Each batch goes to the crawl's writer process (crawlers.writer), one
transaction per batch, retried one post per savepoint when the batch fails as a whole, so a failing post
loses only itself; a thread hands the batches over and waits, so the crawl never waits on the disk.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy import select
from twisted.internet import defer, task, threads
from twisted.python.threadpool import ThreadPool

from core.db import session_scope
from core.models import Source
from core.posts import EvidenceIn, PostIn
from crawlers.items import PostItem
from crawlers.pipelines import Pipeline
from crawlers.writer import BatchResult, Writer, WriterLost, store_batch

log = logging.getLogger(__name__)

BATCH_SIZE = 50
FLUSH_SECONDS = 0.5
# Batches waiting for the writer before new items wait too (bounds memory when the disk is slow).
MAX_IN_FLIGHT = 8
STAT_KEYS = {"created": "stored", "known": "already_known", "linked": "linked"}


class StorePipeline(Pipeline):
    """Counts ``muqing/stored``, ``muqing/already_known``, ``muqing/linked``, ``muqing/errors/store_failed``.

    ``muqing/errors/store_writer_lost`` counts a writer process lost (or not started): the crawl's own
    process then stores the batches, counted as usual.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pending: list[PostItem] = []
        self._in_flight: list[defer.Deferred[None]] = []
        self._waiters: list[defer.Deferred[None]] = []
        self._source_id: int | None = None
        self._pool: ThreadPool | None = None
        self._writer: Writer | None = None
        self._loop: task.LoopingCall | None = None

    def open_spider(self) -> None:
        spider = self.spider
        with session_scope() as session:
            self._source_id = session.scalar(select(Source.id).where(Source.name == spider.source.name))
        # Started now, from the reactor thread: the writer ends with the thread that started it.
        try:
            self._writer = Writer()
        except OSError as exc:  # e.g. no process can be started: store in this process, slower but complete
            self.crawler.stats.inc_value("muqing/errors/store_writer_lost")
            log.error("could not start the writer process (%s); storing in the crawl process", exc)
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
        from twisted.internet import reactor

        try:
            await maybe_deferred_to_future(defer.DeferredList(list(self._in_flight), consumeErrors=True))
            if self._writer is not None and self._pool is not None:
                await maybe_deferred_to_future(threads.deferToThreadPool(reactor, self._pool, self._writer.close))
        finally:
            if self._pool is not None:
                self._pool.stop()

    def _flush(self) -> None:
        if not self._pending or self._pool is None:
            return
        batch, self._pending = self._pending, []
        from twisted.internet import reactor  # the one Scrapy installed; never install one at import

        written: defer.Deferred[None] = threads.deferToThreadPool(reactor, self._pool, self._write, batch).addCallback(
            self._count
        )

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

    def _write(self, batch: list[PostItem]) -> tuple[BatchResult, bool]:
        """Store a batch (in the worker thread); its result, and whether the writer process was lost."""
        posts = [self._post_in(item) for item in batch]
        if self._writer is None:
            return store_batch(posts), False
        try:
            return self._writer.store(posts), False
        except WriterLost as exc:
            log.error("%s; storing the rest of this crawl in the crawl process", exc)
            return store_batch(posts), True

    def _count(self, written: tuple[BatchResult, bool]) -> None:
        """Count a stored batch (on the reactor thread, like every other crawl figure)."""
        result, lost = written
        stats = self.crawler.stats
        if lost:
            stats.inc_value("muqing/errors/store_writer_lost")
        for failure in result.failures:
            log.error("%s", failure)
        for outcome in result.outcomes:
            stats.inc_value(f"muqing/{STAT_KEYS.get(outcome, 'errors/store_failed')}")

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
            attachments=[
                EvidenceIn(
                    body=extra.body,
                    url=extra.url,
                    fetched_at=extra.fetched_at,
                    status=extra.status,
                    content_type=extra.content_type,
                    role=extra.role,
                )
                for extra in item.attachments
            ],
        )
