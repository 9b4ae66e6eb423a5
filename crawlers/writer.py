"""The writer process of a crawl: stores the crawl's posts on a core of its own.

Parsing holds the crawl process's interpreter lock. Storing (canonical URLs, signatures, compression,
building SQL) costs Python time too, so it runs in a process of its own instead of in a thread that takes
turns with parsing. The crawl sends a batch and reads back what became of each post, so its figures stay
exact. The writer dies with the crawl, ignores Ctrl-C (the crawl decides when it stops, and drains it
first), and sends back every failure, which the crawl counts and logs. Should the writer itself be lost,
the crawl stores the remaining batches in its own process: slower, but nothing is lost.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy.orm import Session

from core.db import dispose_engines, get_engine, session_scope
from core.linux import PR_SET_PDEATHSIG, prctl
from core.outbox import PENDING_FLAG
from core.posts import PostIn, store_many
from core.search.changes import take_written_flag

log = logging.getLogger(__name__)

STOP_SECONDS = 30.0


@dataclass(slots=True)
class BatchResult:
    """What became of each post of a batch (in order) and the reason of each failure."""

    outcomes: list[str]
    failures: list[str] = field(default_factory=list)


class WriterLost(RuntimeError):
    """The writer process ended or stopped answering; the batch it had is stored by the crawl itself."""


def store_batch(posts: list[PostIn]) -> BatchResult:
    """Store a batch in one transaction; should that fail, one post per savepoint, so a bad post loses only itself."""
    try:
        with session_scope() as session:
            outcomes = [outcome for outcome, _post_id in store_many(session, posts=posts)]
            _leave_follow_up_to_the_crawl(session)
        return BatchResult(outcomes)
    except Exception as exc:  # e.g. another crawl stored one of these URLs meanwhile; retried one by one below
        log.warning("a batch of %d posts could not be stored at once (%s); storing them one by one", len(posts), exc)
    outcomes, failures = [], []
    with session_scope() as session:
        for post in posts:
            try:
                with session.begin_nested():
                    outcomes += [outcome for outcome, _post_id in store_many(session, posts=[post])]
                    # Before the savepoint's release, which fires the after-commit hooks too.
                    _leave_follow_up_to_the_crawl(session)
            except Exception as exc:  # one bad post must not lose the others; sent back, counted and logged
                outcomes.append("failed")
                failures.append(f"could not store {post.url}: {type(exc).__name__}: {exc}")
    return BatchResult(outcomes, failures)


def _leave_follow_up_to_the_crawl(session: Session) -> None:
    # The crawl's caller relays the outbox and syncs search once the crawl ends, off the crawl's path: the
    # after-commit hooks (relay, search sync) are told there is nothing for them.
    session.info.pop(PENDING_FLAG, None)
    take_written_flag(session)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to end this process when the crawl ends, however it ends (elsewhere: the closed pipe)."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the crawl ended before the request above took effect
        os._exit(1)


def _serve(connection: Connection, parent_end: Connection, parent_pid: int) -> None:
    """The writer's loop: store each batch received and send back its result; stop on None or a closed pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # born with Ctrl-C blocked (see Writer.__init__); now ignored instead
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for name in ("SIGTERM", "SIGCHLD"):  # the crawl's own handlers make no sense here
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)  # a forked copy would otherwise wake the crawl's event loop
    parent_end.close()  # a copy of the crawl's end here would keep the pipe open after the crawl ended
    _die_with_parent(parent_pid)
    dispose_engines()  # connections of our own, never the crawl's
    while True:
        try:
            posts = connection.recv()
        except EOFError:
            return  # the crawl is gone: nobody to answer
        if posts is None:
            break
        try:
            result = store_batch(posts)
        except Exception as exc:  # e.g. the database is unreachable: every post of the batch failed, and why
            result = BatchResult(["failed"] * len(posts), [f"storing {len(posts)} posts failed: {exc!r}"])
        connection.send(result)
    connection.close()


class Writer:
    """The crawl's handle on its writer process; one batch at a time, from one thread."""

    def __init__(self) -> None:
        # Forking is cheap and shares the loaded code; elsewhere than Linux (where forking a process with
        # threads is unsafe or impossible) the writer starts afresh.
        context: Any = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        # Pooled connections are closed before forking, so the writer inherits no open database connection.
        get_engine().dispose()
        self._connection, child_end = context.Pipe()
        self._process: Any = context.Process(
            target=_serve, args=(child_end, self._connection, os.getpid()), name="muqing-writer", daemon=True
        )
        # Ctrl-C between the fork and the writer's own handler would kill it: it is born with SIGINT blocked.
        can_mask = hasattr(signal, "pthread_sigmask")
        masked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if can_mask else None
        try:
            self._process.start()
        finally:
            if masked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, masked)
        child_end.close()
        self.lost: str | None = None

    @property
    def pid(self) -> int | None:
        """The writer's process id."""
        return int(self._process.pid) if self._process.pid is not None else None

    def store(self, posts: list[PostIn]) -> BatchResult:
        """Store a batch in the writer process; raises WriterLost (once) if the writer has gone."""
        if self.lost is not None:
            return store_batch(posts)
        try:
            self._connection.send(posts)
            result = self._connection.recv()
        except (EOFError, OSError) as exc:
            raise self._lose(f"the writer process ended (exit code {self._process.exitcode}): {exc!r}") from exc
        if not isinstance(result, BatchResult) or len(result.outcomes) != len(posts):
            raise self._lose(f"unexpected answer from the writer process: {result!r:.200}")
        return result

    def _lose(self, reason: str) -> WriterLost:
        self.lost = reason
        if self._process.is_alive():
            self._process.kill()
        return WriterLost(reason)

    def close(self) -> None:
        """Let the writer finish and end; ended by force only if it does not within STOP_SECONDS."""
        if self.lost is None:
            with contextlib.suppress(OSError):
                self._connection.send(None)
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            log.error("the writer process did not stop within %.0f s; ending it", STOP_SECONDS)
            self._process.kill()
            self._process.join()
        elif self._process.exitcode != 0 and self.lost is None:
            # Every batch was answered, so nothing is lost; still worth a line in the crawl's log.
            log.error("the writer process ended with exit code %s", self._process.exitcode)
        self._connection.close()
