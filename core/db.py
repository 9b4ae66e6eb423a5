"""Engine and sessions; one engine per database URL per process."""

from __future__ import annotations

import importlib
import logging
import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from core.config import get_settings

log = logging.getLogger(__name__)

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_CACHE_PREFIX = "muqing_cache:"
_CACHE_DEPENDS = "muqing_cache_depends"
BUSY_TIMEOUT_SECONDS = 30
# First and longest sleep between attempts to take SQLite's write lock.
BEGIN_POLL_SECONDS = (0.0005, 0.004)
_WRITE_SINCE = "muqing_write_since"
# Set while serving a request that only reads (GET, HEAD): its transactions begin as WAL readers.
_reading: ContextVar[bool] = ContextVar("muqing_reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside start as readers on SQLite: they never wait for (or block) the writer."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def written_apart(session: Session) -> Iterator[None]:
    """In a request that reads (a GET), a block that writes: in a transaction of its own, committed at its end.

    A reader's transaction on SQLite cannot become the writer once another writer has committed after its first
    read (SQLITE_BUSY_SNAPSHOT, answered at once, not after waiting): a download that logs a reveal would fail
    whenever a crawl stored a batch meanwhile. So the read ends here, and the block begins as the writer.
    """
    session.commit()
    token = _reading.set(False)
    try:
        yield
        session.commit()
    finally:
        _reading.reset(token)


def _sqlite_begin(conn: Any) -> None:
    if _reading.get():
        # A deferred transaction in WAL mode reads its snapshot while a writer works (a long import included).
        conn.connection.driver_connection.execute("BEGIN")
        return
    _sqlite_begin_immediate(conn)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the job runner writes (the connection's timeout is SQLite's busy_timeout).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN so two writers queue here instead of failing mid-way. SQLite's own busy
    # handler backs off to 100 ms sleeps, and a process that commits many short transactions in a row then
    # keeps the lock from a waiter for a second or more; polling every few milliseconds catches the gaps.
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        delay, deadline = BEGIN_POLL_SECONDS[0], time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                conn.info[_WRITE_SINCE] = time.monotonic()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    # The database's own error type, so the API answers 503 (busy), not 500.
                    raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            time.sleep(delay)
            delay = min(delay * 2, BEGIN_POLL_SECONDS[1])
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")


def _write_ended(conn: Any) -> None:
    since = conn.info.pop(_WRITE_SINCE, None)
    if since is None:
        return
    held = time.monotonic() - since
    # Every other writer waits meanwhile, and past BUSY_TIMEOUT_SECONDS it is answered 503 (busy): name the holder.
    if held > get_settings().slow_write_seconds:
        log.warning("SQLite write lock held %.1f s by %s", held, _code_path())


def _code_path() -> str:
    # The project's own frames that ended the transaction: the job or route that opened it is among them.
    frames: list[str] = []
    frame: FrameType | None = sys._getframe(2)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while frame is not None and len(frames) < 8:
        path = frame.f_code.co_filename
        if path.startswith(root) and "site-packages" not in path and frame.f_code.co_filename != __file__:
            frames.append(f"{os.path.relpath(path, root)}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(frames) or "unknown"


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the configured database), created once per process."""
    url = url or get_settings().sqlalchemy_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _make_engine(url)
            _engines[url] = engine
        return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _write_ended)
        event.listen(engine, "rollback", _write_ended)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _import_listeners() -> None:
    # Domain modules register session listeners when imported. SQLAlchemy cannot take a new listener while it
    # runs the listeners of that event (a plugin first imported inside a flush broke every crawl), so the
    # tables and search plugins of the wired domains are imported before this process's first session.
    from core.search import plugins
    from core.wiring import installed

    domains = installed(required=False)
    for module in domains.models if domains else ():
        importlib.import_module(module)
    plugins.load()


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    """A session factory bound to the engine for ``url``."""
    url = url or get_settings().sqlalchemy_url
    with _lock:
        factory = _factories.get(url)
    if factory is None:
        _import_listeners()
        # Configured now rather than by the process's first query, which on SQLite already holds the write lock
        # (a second or more on a busy machine, e.g. the first crawl a job runner starts).
        configure_mappers()
        factory = sessionmaker(bind=get_engine(url), expire_on_commit=False)
        with _lock:
            _factories[url] = factory
    return factory


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: commit on success, roll back on any error (nothing half-written stays)."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def request_session() -> Iterator[Session]:
    """A session per web or API request; routes commit their own writes, anything uncommitted is rolled back."""
    session = session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def transaction_cache(session: Session, name: str, *, depends_on: tuple[type, ...] = ()) -> dict[Any, Any]:
    """A dict that lives as long as the session's current transaction: for reads repeated within one job.

    It is emptied when the session flushes a change to an instance of ``depends_on``.
    """
    key = _CACHE_PREFIX + name
    if depends_on:
        session.info.setdefault(_CACHE_DEPENDS, {})[key] = depends_on
    return session.info.setdefault(key, {})


# What neither database can store: NUL (PostgreSQL text and JSON refuse it) and a lone UTF-16 surrogate (not
# encodable as UTF-8, so both drivers fail; JSON bodies and APIs can carry one as ``\ud83d`` alone, the half of
# a broken emoji).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: object) -> str | None:
    """The first NUL or lone surrogate in ``value`` (a string, or any nesting of dicts, lists and tuples, keys too)."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        return found.group() if found else None
    if isinstance(value, dict):
        items: list[object] = [part for pair in value.items() for part in pair]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None
    for item in items:
        found_in = unstorable(item)
        if found_in is not None:
            return found_in
    return None


def storable(value: Any) -> Any:
    """``value`` with every NUL dropped and every lone surrogate replaced by U+FFFD, at any nesting (keys too)."""
    if isinstance(value, str):
        if not _UNSTORABLE.search(value):
            return value
        return re.sub("[\ud800-\udfff]", "\ufffd", value.replace("\x00", ""))
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


def _unstorable_message(field: str, character: str) -> str:
    # What a person is told, in Chinese, when ``field`` holds a character no database can store.
    if character == "\x00":
        return f"字段 {field} 含有空字符（U+0000），无法保存，请删除后重试"
    return f"字段 {field} 含有不成对的代理字符（U+{ord(character):04X}，多为残缺的表情符号），无法保存，请删除后重试"


@event.listens_for(Session, "before_flush")
def _refuse_unstorable(session: Session, _context: Any, _instances: Any) -> None:
    # One rule for both databases, named by field, instead of a DataError or an encoding error (a 500) deep in a
    # driver. Crawled posts are cleaned before they get here (core.posts.bulk).
    from core.errors import InvalidInput

    for instance in [*session.new, *session.dirty]:
        state = inspect(instance)
        for attribute in state.mapper.column_attrs:
            character = unstorable(state.dict.get(attribute.key))
            if character is not None:
                raise InvalidInput(_unstorable_message(attribute.key, character), details={"field": attribute.key})


@event.listens_for(Session, "after_flush")
def _forget_changed(session: Session, _context: Any) -> None:
    depends: dict[str, tuple[type, ...]] = session.info.get(_CACHE_DEPENDS) or {}
    if not depends:
        return
    changed = [*session.new, *session.dirty, *session.deleted]
    for key, types in depends.items():
        if any(isinstance(instance, types) for instance in changed):
            session.info.pop(key, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_caches(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        for key in [key for key in session.info if isinstance(key, str) and key.startswith(_CACHE_PREFIX)]:
            del session.info[key]
        session.info.pop(_CACHE_DEPENDS, None)


def dispose_engines() -> None:
    """Drop pooled connections, e.g. after fork so children never share a parent's sockets."""
    with _lock:
        for engine in _engines.values():
            engine.dispose(close=False)
        _engines.clear()
        _factories.clear()
