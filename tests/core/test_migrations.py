"""Migrations: upgrade, downgrade and upgrade again on each backend; the models match the migrations."""

from __future__ import annotations

import importlib
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core.db import get_engine
from core.migrate import current_revision, downgrade, head_revision, upgrade
from core.models import Base
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.services import need


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, session_dir: object, tmp_path: object) -> object:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations-{uuid.uuid4().hex}.db"
        return
    admin = need("MUQING_TEST_POSTGRES_URL", "PostgreSQL")
    url = _create_postgres_database(admin)
    yield url
    get_engine(url).dispose()
    _drop_postgres_database(admin, url)


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    upgrade(url=empty_database)
    assert current_revision(url=empty_database) == head_revision()
    assert {"post", "alert", "alert_event", "user_account", "section"} <= set(
        inspect(get_engine(empty_database)).get_table_names()
    )
    downgrade(url=empty_database, revision="base")
    assert current_revision(url=empty_database) is None
    assert set(inspect(get_engine(empty_database)).get_table_names()) <= {"alembic_version"}
    upgrade(url=empty_database)
    assert current_revision(url=empty_database) == head_revision()


def test_models_and_migrations_agree(empty_database: str) -> None:
    from cli.modules import MODEL_MODULES

    for module in MODEL_MODULES:
        importlib.import_module(module)
    upgrade(url=empty_database)
    with get_engine(empty_database).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models differ from migrations; add a migration: {differences}"
