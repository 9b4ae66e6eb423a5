"""Migration s01 on a database with data: existing posts are queued for the search index, sent events count
as completed; downgrading removes both again. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from core.db import get_engine
from core.migrate import downgrade, upgrade
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.services import need


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/s01-{uuid.uuid4().hex}.db"
        return
    admin = need("MUQING_TEST_POSTGRES_URL", "PostgreSQL")
    url = _create_postgres_database(admin)
    yield url
    get_engine(url).dispose()
    _drop_postgres_database(admin, url)


def test_upgrade_queues_existing_posts_and_completes_sent_events_and_downgrade_removes_them(database: str) -> None:
    upgrade(url=database, revision="0001")
    now = "2025-10-01 08:00:00"
    with get_engine(database).begin() as connection:
        for number in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO post (id, title, content, extra, created_at, updated_at) "
                    "VALUES (:id, :title, '', '{}', :now, :now)"
                ),
                {"id": number, "title": f"旧帖{number}", "now": now},
            )
        connection.execute(
            text(
                "INSERT INTO outbox_event (topic, payload, created_at, dispatched_at, attempts) VALUES "
                "('nlp.analyze_post', '{}', :now, :now, 0), ('nlp.analyze_post', '{}', :now, NULL, 0)"
            ),
            {"now": now},
        )

    upgrade(url=database, revision="s01")
    with get_engine(database).connect() as connection:
        assert sorted(connection.scalars(text("SELECT post_id FROM search_outbox"))) == [1, 2]
        completed = connection.execute(
            text("SELECT dispatched_at IS NOT NULL, completed_at IS NOT NULL FROM outbox_event ORDER BY id")
        ).all()
    assert [tuple(row) for row in completed] == [(True, True), (False, False)]

    downgrade(url=database, revision="0001")
    inspector = inspect(get_engine(database))
    assert "search_outbox" not in inspector.get_table_names()
    assert "completed_at" not in {column["name"] for column in inspector.get_columns("outbox_event")}
    with get_engine(database).connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM outbox_event")) == 2
