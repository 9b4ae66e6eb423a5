"""Migration t01 on a database with data: the entries already there are sealed into the chain, in order, and a
later hand edit of one is found; downgrading removes the chain again. On SQLite and PostgreSQL."""

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
        yield f"sqlite:///{tmp_path}/t01-{uuid.uuid4().hex}.db"
        return
    admin = need("MUQING_TEST_POSTGRES_URL", "PostgreSQL")
    url = _create_postgres_database(admin)
    yield url
    get_engine(url).dispose()
    _drop_postgres_database(admin, url)


def test_existing_entries_are_sealed_by_the_migration(database: str) -> None:
    from core.audit_chain import verify

    upgrade(url=database, revision="r01")
    with get_engine(database).begin() as connection:
        for number, name in ((1, "旧规则"), (2, "新规则")):
            connection.execute(
                text(
                    "INSERT INTO admin_change (at, actor_name, entity, entity_id, entity_name, action, before, after, "
                    "note) VALUES (:at, '管理员', 'routing_rule', :id, :name, 'update', :before, :after, '')"
                ),
                {
                    "at": f"2025-10-0{number} 08:00:00.12345{number}",
                    "id": number,
                    "name": name,
                    "before": '{"priority": 10}',
                    "after": '{"priority": 20, "note": "调整"}',
                },
            )
    upgrade(url=database)
    engine = get_engine(database)
    with engine.connect() as connection:
        report = verify(connection)
        assert report.ok and report.entries == 2, report.problem
        assert list(connection.scalars(text("SELECT entry_id FROM audit_chain ORDER BY seq"))) == [1, 2]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("UPDATE admin_change SET entity_name = '改过的规则' WHERE id = 2"))
    with engine.connect() as connection:
        report = verify(connection)
    assert not report.ok and (report.broken_log, report.broken_entry_id) == ("admin_change", 2)
    assert [(c.field, c.sealed, c.now) for c in report.changes] == [("entity_name", "新规则", "改过的规则")]
    downgrade(url=database, revision="r01")
    assert "audit_chain" not in inspect(get_engine(database)).get_table_names()
