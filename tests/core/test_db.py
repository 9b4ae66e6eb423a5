"""SQLite writers queue for the write lock instead of failing, and a waiter gets it once it is free."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from core.db import BUSY_TIMEOUT_SECONDS, session_scope


def test_a_writer_waits_for_another_writers_transaction_and_then_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    with session_scope(url) as session:
        session.execute(text("CREATE TABLE note (writer TEXT)"))
    holding, release = threading.Event(), threading.Event()

    def first_writer() -> None:
        with session_scope(url) as session:
            session.execute(text("INSERT INTO note VALUES ('first')"))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert holding.wait(10)
    threading.Timer(0.3, release.set).start()  # the first writer holds the lock a while longer

    with session_scope(url) as session:
        session.execute(text("INSERT INTO note VALUES ('second')"))
        # Waiting for the lock left SQLite's own wait for locks as configured for every other statement.
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_SECONDS * 1000
    thread.join(10)

    with session_scope(url) as session:
        assert session.execute(text("SELECT writer FROM note ORDER BY rowid")).scalars().all() == ["first", "second"]
