"""Shared fixtures: an isolated data directory, a migrated database per backend, a trained model.

App modules read settings when imported, so this file imports none of them at module level.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from tests import snapshots
from tests.services import need
from tests.snapshots import Snapshot

_SAVED_ENV: dict[str, str] = {}


_ROOT = Path(__file__).resolve().parents[1]


def _share_bytecode() -> None:
    """Compile each module once per checkout, for this process and every process the tests start.

    Without a bytecode cache (PYTHONDONTWRITEBYTECODE set, as in CI) every worker, server and command a
    test starts compiles the whole app and its libraries again, several CPU seconds each time. The cache
    lives in the checkout's ignored .cache directory, never beside the sources; Python checks each entry
    against its source, so an edited file is compiled again.
    """
    prefix = str(_ROOT / ".cache" / "pycache")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    sys.dont_write_bytecode = False
    sys.pycache_prefix = prefix


def pytest_configure(config: pytest.Config) -> None:
    """Isolate settings before any app module is imported (modules read settings at import)."""
    _SAVED_ENV.update(os.environ)
    _share_bytecode()
    data_dir = Path(tempfile.mkdtemp(prefix="muqing-test-"))
    os.environ["MUQING_DATA_DIR"] = str(data_dir)
    os.environ["MUQING_TASKS_EAGER"] = "1"
    os.environ["MUQING_ENV"] = "test"
    # The invented demo district: the seed corpus, the fixtures and most tests are written about it.
    os.environ["MUQING_PROFILE"] = "demo"
    # The sites and receivers tests run are on loopback: allowed by explicit configuration, as an office
    # allows its intranet hosts. Tests of the policy itself clear it (``strict_url_policy``).
    os.environ["MUQING_URL_ALLOW_LIST"] = "127.0.0.1 localhost [::1]"
    os.environ.pop("MUQING_DATABASE_URL", None)
    os.environ.pop("MUQING_BROKER_URL", None)
    config.stash[_DATA_DIR] = data_dir
    from cli.modules import wire

    wire()  # the composition root's domain modules, as every entry point installs them


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore the environment and remove the session's data directory."""
    data_dir = config.stash.get(_DATA_DIR, None)
    os.environ.clear()
    os.environ.update(_SAVED_ENV)
    if data_dir is not None:
        shutil.rmtree(data_dir, ignore_errors=True)


_DATA_DIR = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def session_dir(pytestconfig: pytest.Config) -> Path:
    """The data directory of the whole test session."""
    return pytestconfig.stash[_DATA_DIR]


def reload_settings() -> None:
    """Make every cached piece of configuration follow the current environment."""
    from core.config import get_settings
    from core.db import dispose_engines
    from core.tasks import configure_celery

    get_settings.cache_clear()
    dispose_engines()
    configure_celery()


def _create_postgres_database(admin_url: str) -> str:
    url = make_url(admin_url)
    name = f"muqing_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(admin_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def _migrated_urls(session_dir: Path) -> Iterator[dict[str, str]]:
    created: dict[str, str] = {}
    yield created
    admin = os.environ.get("MUQING_TEST_POSTGRES_URL")
    if admin and "postgresql" in created:
        from core.db import dispose_engines

        dispose_engines()
        _drop_postgres_database(admin, created["postgresql"])


def _database_url(backend: str, session_dir: Path, created: dict[str, str]) -> str:
    if backend not in created:
        from core.migrate import upgrade

        if backend == "sqlite":
            url = f"sqlite:///{session_dir / 'test.db'}"
        else:
            url = _create_postgres_database(need("MUQING_TEST_POSTGRES_URL", "PostgreSQL"))
        upgrade(url=url)
        created[backend] = url
    return created[backend]


def _wipe_postgres(connection: Connection, names: list[str]) -> None:
    """Empty the tables a test wrote and put every used id sequence back to 1, as TRUNCATE … RESTART IDENTITY.

    TRUNCATE of all 51 tables costs ~0.4 s however few rows a test wrote (each table gets new files);
    finding the non-empty ones and deleting their rows costs milliseconds.
    """
    # The audit logs refuse DELETE and TRUNCATE (migration v01), and foreign keys are checked by triggers: the
    # test's own cleanup steps past all triggers for this transaction only, as hand edits in the audit tests do.
    connection.execute(text("SET LOCAL session_replication_role = replica"))
    probes = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names)
    written = [str(name) for (name,) in connection.execute(text(probes))]
    if written:
        connection.execute(text("; ".join(f'DELETE FROM "{name}"' for name in written)))
    used = [
        str(name)
        for (name,) in connection.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")
        )
    ]
    if used:
        calls = ", ".join(f"setval(CAST(:n{i} AS regclass), 1, false)" for i in range(len(used)))
        connection.execute(text(f"SELECT {calls}"), {f"n{i}": f'"{name}"' for i, name in enumerate(used)})


def _wipe(url: str) -> None:
    from core.db import get_engine
    from core.models import Base

    engine = get_engine(url)
    tables = Base.metadata.sorted_tables
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            _wipe_postgres(connection, [table.name for table in tables])
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, session_dir: Path, _migrated_urls: dict[str, str]) -> Iterator[str]:
    """A migrated, empty database on each backend; the app's settings point at it for the test."""
    url = _database_url(request.param, session_dir, _migrated_urls)
    os.environ["MUQING_DATABASE_URL"] = url
    reload_settings()
    import importlib

    from cli.modules import MODEL_MODULES

    for module in MODEL_MODULES:  # registers every domain's tables for wiping
        importlib.import_module(module)

    _wipe(url)
    # The embedded index lives beside the database, in the session's data directory: an empty database
    # gets an empty index, or posts of an earlier test (other ids, the other backend) turn up in searches.
    from core.config import get_settings
    from core.search.fts5 import Fts5Backend

    Fts5Backend(get_settings().resolved_data_dir / "search").drop()
    yield url
    os.environ.pop("MUQING_DATABASE_URL", None)
    reload_settings()


@pytest.fixture
def strict_url_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The default URL policy (no allow list), here and in the processes the test starts."""
    monkeypatch.setenv("MUQING_URL_ALLOW_LIST", "")
    from core.config import get_settings

    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def trained_model(session_dir: Path) -> str:
    """Train the classifier once per session on the shipped corpus and activate it."""
    from nlp.registry import active_version, train_from_corpus

    return active_version() or train_from_corpus().version


_SEEDED: dict[str, Snapshot] = {}


@pytest.fixture
def seeded(db: str) -> str:
    """The database with the default sections, routing rules and SLA policies.

    Seeded through the services once per backend; later tests get the same rows back from a snapshot.
    """
    snapshot = _SEEDED.get(db)
    if snapshot is not None:
        snapshots.restore(db, snapshot)
        return db
    from alerts.seed import seed_defaults
    from core.db import session_scope

    with session_scope() as session:
        seed_defaults(session)
    _SEEDED[db] = snapshots.take(db)
    return db


@pytest.fixture
def queued_jobs(db: str) -> Iterator[None]:
    """Jobs go to the queue instead of running inline (nothing consumes them unless a test starts a worker)."""
    os.environ["MUQING_TASKS_EAGER"] = "0"
    reload_settings()
    yield
    os.environ["MUQING_TASKS_EAGER"] = "1"
    reload_settings()


Login = Callable[[str], dict[str, str]]


@pytest.fixture
def client(seeded: str) -> Iterator[TestClient]:
    from cli.asgi import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def login(client: TestClient) -> Login:
    """Sign a user in through the API and return the Authorization header."""

    from tests.factories import PASSWORD

    def _login(username: str) -> dict[str, str]:
        response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer"
        return {"Authorization": f"Bearer {body['access_token']}"}

    return _login


@pytest.fixture
def people(seeded: str) -> None:
    """The roles of a small office: duty, leader, and staff and head of two sections."""
    from tests.factories import make_user

    make_user("duty", "duty")
    make_user("leader", "leader")
    make_user("production-staff", "staff", "production")
    make_user("production-head", "head", "production")
    make_user("quality-staff", "staff", "quality")
