"""The embedded search backend: SQLite FTS5 over jieba tokens, in its own files in the data directory.

The index is derived data, kept apart from the database (which may be SQLite or PostgreSQL) so it can be
rebuilt and swapped like an Elasticsearch index: each index is one file, ``LIVE`` names the one searches
read, and ``NEXT`` names the one a rebuild is filling (live writes reach both). Swapping is an atomic rename
of the pointer file. Tokens are stored space-separated; FTS5's unicode61 tokenizer splits them on spaces.
Schema 2 adds the character columns (``title_chars``, ``content_chars``); a schema-1 file keeps working with
word matching only until ``muqing reindex`` (or the next sync, which starts it) replaces it.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import Conflict
from core.search.base import (
    AGGREGATIONS,
    FILTER_FIELDS,
    Bucket,
    PostDocument,
    RawHit,
    RawResult,
    SearchBackend,
    SearchQuery,
)
from core.search.chars import char_tokens, short_tokens
from core.timeutil import utcnow

SCHEMA_VERSION = "2"
# bm25 weights of the title and content columns (the Elasticsearch backend boosts the title the same way).
TITLE_WEIGHT, CONTENT_WEIGHT = 2.0, 1.0
WORD_COLUMNS = "{title_tokens content_tokens}"
CHAR_COLUMNS = "{title_chars content_chars}"
TERMS_SIZES = {"category": 20, "source": 100, "sentiment": 10}

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');
CREATE TABLE IF NOT EXISTS doc (
    post_id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    day TEXT NOT NULL,
    source TEXT,
    category TEXT,
    severity TEXT,
    sentiment TEXT,
    section TEXT,
    alert_id INTEGER,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    url TEXT,
    author TEXT
);
CREATE INDEX IF NOT EXISTS doc_time ON doc (time, post_id);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(
    title_tokens, content_tokens, title_chars, content_chars, tokenize = 'unicode61 remove_diacritics 0'
);
"""

_DOC_COLUMNS = (
    "post_id",
    "time",
    "day",
    "source",
    "category",
    "severity",
    "sentiment",
    "section",
    "alert_id",
    "title",
    "content",
    "url",
    "author",
)


def _row(document: PostDocument) -> tuple[Any, ...]:
    values = document.fields()
    values["time"] = document.time.timestamp()
    return tuple(values[column] for column in _DOC_COLUMNS)


def _document(row: sqlite3.Row) -> PostDocument:
    values = {column: row[column] for column in _DOC_COLUMNS}
    values["time"] = datetime.fromtimestamp(values["time"], UTC)
    return PostDocument(**values)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(tokens: list[str], *, any_token: bool = False, chars: bool = False) -> str:
    """An FTS5 query in which every token (or any) must occur (each quoted, so no token is read as syntax).

    With ``chars`` (a schema-2 index) a word is looked for in the word columns, and a short one may also
    occur as consecutive characters in the character columns (a quoted string of several tokens is a phrase).
    """
    if not chars:
        return (" OR " if any_token else " ").join(_quoted(token) for token in tokens)
    short = set(short_tokens(tokens))
    parts = []
    for token in tokens:
        word = f"{WORD_COLUMNS} : {_quoted(token)}"
        if token in short:
            word = f"({word} OR {CHAR_COLUMNS} : {_quoted(' '.join(char_tokens(token)))})"
        parts.append(word)
    return (" OR " if any_token else " AND ").join(parts)


class Fts5Backend(SearchBackend):
    """Search over SQLite FTS5 files in ``directory``."""

    name = "fts5"
    label = "SQLite FTS5"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        # Schema version per index file (a file's schema never changes; a new schema means a new file).
        self._versions: dict[str, str] = {}

    # -- files and pointers --------------------------------------------------------------------------

    def _pointer(self, name: str) -> str | None:
        path = self.directory / name
        try:
            value = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return value if value and (self.directory / value).exists() else None

    def _set_pointer(self, name: str, value: str | None) -> None:
        path = self.directory / name
        if value is None:
            path.unlink(missing_ok=True)
            return
        temporary = path.with_name(f".{name}.{uuid.uuid4().hex}")
        temporary.write_text(value, encoding="utf-8")
        os.replace(temporary, path)

    @contextmanager
    def _connect(self, index: str, *, create: bool = False) -> Iterator[sqlite3.Connection]:
        path = self.directory / index
        # mode=rw: a writer that lost a race with a swap must fail, not create an empty stray index file.
        uri = f"file:{path}?mode={'rwc' if create else 'rw'}"
        connection = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        with closing(connection):
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=30000")
            yield connection

    def _create(self) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"posts-{utcnow().strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}.sqlite"
        with self._connect(name, create=True) as connection:
            connection.executescript(_SCHEMA)
        return name

    # -- the interface -------------------------------------------------------------------------------

    def ensure_ready(self) -> None:
        if self._pointer("LIVE") is None:
            self._set_pointer("LIVE", self._create())

    def live_index(self) -> str | None:
        return self._pointer("LIVE")

    def _version(self, index: str, connection: sqlite3.Connection) -> str:
        version = self._versions.get(index)
        if version is None:
            row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = self._versions[index] = str(row[0]) if row else "1"
        return version

    def outdated(self) -> bool:
        live = self.live_index()
        if live is None:
            return False
        with self._connect(live) as connection:
            return self._version(live, connection) != SCHEMA_VERSION

    def search(self, query: SearchQuery, tokens: list[str]) -> RawResult:
        live = self.live_index()
        if live is None:
            return RawResult(total=0, hits=[], aggregations=_empty_aggregations() if query.aggregations else None)
        with self._connect(live) as connection:
            chars = self._version(live, connection) == SCHEMA_VERSION
            return self._search(connection, query, tokens, chars=chars)

    def _search(
        self, connection: sqlite3.Connection, query: SearchQuery, tokens: list[str], *, chars: bool
    ) -> RawResult:
        where: list[str] = []
        params: list[Any] = []
        if tokens:
            source = "doc_fts JOIN doc ON doc.post_id = doc_fts.rowid"
            where.append("doc_fts MATCH ?")
            params.append(match_expression(tokens, any_token=query.any_token, chars=chars))
        else:
            source = "doc"
        for field in FILTER_FIELDS:
            values = query.filters.get(field)
            if values:
                where.append(f"doc.{field} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if query.start is not None:
            where.append("doc.time >= ?")
            params.append(query.start.timestamp())
        if query.end is not None:
            where.append("doc.time < ?")
            params.append(query.end.timestamp())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        weights = f"{TITLE_WEIGHT}, {CONTENT_WEIGHT}"
        rank = f"bm25(doc_fts, {weights}, {weights})" if chars else f"bm25(doc_fts, {weights})"
        score = f"-{rank}" if tokens else "NULL"
        if tokens and query.sort == "relevance":
            order = f"{rank}, doc.time DESC, doc.post_id DESC"
        else:
            order = "doc.time DESC, doc.post_id DESC"
        total = connection.execute(f"SELECT count(*) FROM {source}{clause}", params).fetchone()[0]
        rows = connection.execute(
            f"SELECT doc.*, {score} AS score FROM {source}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        ).fetchall()
        hits = [RawHit(_document(row), row["score"]) for row in rows]
        aggregations = self._aggregations(connection, source, where, params) if query.aggregations else None
        return RawResult(total=total, hits=hits, aggregations=aggregations)

    def _aggregations(
        self, connection: sqlite3.Connection, source: str, where: list[str], params: list[Any]
    ) -> dict[str, list[Bucket]]:
        result: dict[str, list[Bucket]] = {}
        for field in AGGREGATIONS:
            conditions = [*where, f"doc.{field} IS NOT NULL"]
            clause = " WHERE " + " AND ".join(conditions)
            if field == "day":
                sql = f"SELECT doc.day, count(*) FROM {source}{clause} GROUP BY doc.day ORDER BY doc.day"
            else:
                sql = (
                    f"SELECT doc.{field}, count(*) AS n FROM {source}{clause} GROUP BY doc.{field} "
                    f"ORDER BY n DESC, doc.{field} LIMIT {TERMS_SIZES[field]}"
                )
            result[field] = [Bucket(str(key), count) for key, count in connection.execute(sql, params)]
        return result

    def write(self, documents: list[PostDocument], deletions: list[int]) -> None:
        targets = [name for name in (self._pointer("LIVE"), self._pointer("NEXT")) if name is not None]
        if not targets:
            self.ensure_ready()
            targets = [name for name in (self._pointer("LIVE"),) if name is not None]
        for index in dict.fromkeys(targets):
            with self._connect(index) as connection:
                connection.execute("BEGIN IMMEDIATE")
                ids = [(post_id,) for post_id in deletions] + [(document.post_id,) for document in documents]
                connection.executemany("DELETE FROM doc WHERE post_id = ?", ids)
                connection.executemany("DELETE FROM doc_fts WHERE rowid = ?", ids)
                self._insert(
                    connection, documents, replace=True, chars=self._version(index, connection) == SCHEMA_VERSION
                )
                connection.execute("COMMIT")

    @staticmethod
    def _insert(connection: sqlite3.Connection, documents: list[PostDocument], *, replace: bool, chars: bool) -> None:
        placeholders = ", ".join("?" * len(_DOC_COLUMNS))
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        for document in documents:
            cursor = connection.execute(
                f"{verb} INTO doc ({', '.join(_DOC_COLUMNS)}) VALUES ({placeholders})", _row(document)
            )
            if cursor.rowcount != 1:
                continue
            if chars:
                connection.execute(
                    "INSERT INTO doc_fts (rowid, title_tokens, content_tokens, title_chars, content_chars) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        document.post_id,
                        document.title_tokens,
                        document.content_tokens,
                        document.title_chars,
                        document.content_chars,
                    ),
                )
            else:
                connection.execute(
                    "INSERT INTO doc_fts (rowid, title_tokens, content_tokens) VALUES (?, ?, ?)",
                    (document.post_id, document.title_tokens, document.content_tokens),
                )

    def begin_rebuild(self) -> str:
        stale = self._pointer("NEXT")
        if stale is not None:
            self.abort_rebuild(stale)
        name = self._create()
        self._set_pointer("NEXT", name)
        return name

    def write_rebuild(self, name: str, documents: list[PostDocument]) -> None:
        if self._pointer("NEXT") != name:
            raise Conflict(f"索引 {name} 不在重建中")
        with self._connect(name) as connection:
            connection.execute("BEGIN IMMEDIATE")
            # A live write may already have put a newer version of a post here: never overwrite it.
            self._insert(connection, documents, replace=False, chars=self._version(name, connection) == SCHEMA_VERSION)
            connection.execute("COMMIT")

    def finish_rebuild(self, name: str) -> str | None:
        old = self._pointer("LIVE")
        self._set_pointer("LIVE", name)
        self._set_pointer("NEXT", None)
        if old is not None and old != name:
            self._remove(old)
        return old

    def abort_rebuild(self, name: str) -> None:
        if self._pointer("NEXT") == name:
            self._set_pointer("NEXT", None)
        self._remove(name)

    def _remove(self, name: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            (self.directory / f"{name}{suffix}").unlink(missing_ok=True)

    def count(self) -> int:
        live = self.live_index()
        if live is None:
            return 0
        with self._connect(live) as connection:
            return int(connection.execute("SELECT count(*) FROM doc").fetchone()[0])

    def drop(self) -> None:
        if not self.directory.exists():
            return
        for path in self.directory.iterdir():
            if path.name.startswith(("posts-", "LIVE", "NEXT", ".LIVE", ".NEXT")):
                path.unlink(missing_ok=True)


def _empty_aggregations() -> dict[str, list[Bucket]]:
    return {field: [] for field in AGGREGATIONS}
