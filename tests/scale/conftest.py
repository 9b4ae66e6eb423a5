"""The two stacks the parity suites run on, each on real engines:

- ``embedded``: SQLite, SQLite FTS5 search, the file-system job queue;
- ``scale-out``: PostgreSQL, Elasticsearch, Celery on Redis.

Everything this session creates on the shared servers carries a session token: its own PostgreSQL
database (from tests/conftest.py), Elasticsearch names starting with ``muqing-t<token>-`` and Redis keys
starting with ``muqing-t<token>:``; only those are removed at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.scale.processes import Process, beat, worker
from tests.services import need

if TYPE_CHECKING:
    from tests.scale.corpus import Loaded
    from tests.scale.private import PrivateServices

TOKEN = uuid.uuid4().hex[:8]
ES_PREFIX = f"muqing-t{TOKEN}-"
REDIS_PREFIX = f"muqing-t{TOKEN}:"
# The scale-out stack is marked with the services it needs, so `pytest -m elasticsearch` selects its runs.
STACKS = (
    pytest.param("embedded", id="embedded"),
    pytest.param(
        "scale-out", id="scale-out", marks=(pytest.mark.postgres, pytest.mark.redis, pytest.mark.elasticsearch)
    ),
)

# Settings a stack decides; anything the developer's shell set for them is ignored.
STACK_SETTINGS = (
    "MUQING_DATABASE_URL",
    "MUQING_SEARCH_BACKEND",
    "MUQING_ELASTICSEARCH_URL",
    "MUQING_ELASTICSEARCH_INDEX_PREFIX",
    "MUQING_BROKER_URL",
    "MUQING_BROKER_KEY_PREFIX",
)


@dataclass(slots=True)
class Stack:
    """One way to run Muqing: its name and the settings (environment) that select its engines."""

    name: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        """The stack's database."""
        return self.env["MUQING_DATABASE_URL"]


@contextmanager
def settings_from(env: dict[str, str]) -> Iterator[None]:
    """Point the app's settings at ``env`` (over the test session's defaults) for the duration."""
    from tests.conftest import reload_settings

    saved = {name: os.environ.get(name) for name in {*STACK_SETTINGS, *env}}
    for name in STACK_SETTINGS:
        os.environ.pop(name, None)
    os.environ.update(env)
    _reload(reload_settings)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _reload(reload_settings)


def _reload(reload_settings: object) -> None:
    from core.search.service import forget_backends

    assert callable(reload_settings)
    reload_settings()
    forget_backends()


def stack_env(name: str, session_dir: Path, migrated: dict[str, str]) -> dict[str, str]:
    """The settings of stack ``name``; the scale-out stack needs the real services (or fails under CI)."""
    from tests.conftest import _database_url

    if name == "embedded":
        return {"MUQING_DATABASE_URL": _database_url("sqlite", session_dir, migrated), "MUQING_SEARCH_BACKEND": "fts5"}
    elasticsearch = need("MUQING_TEST_ELASTICSEARCH_URL", "Elasticsearch")
    redis = need("MUQING_TEST_REDIS_URL", "Redis")
    return {
        "MUQING_DATABASE_URL": _database_url("postgresql", session_dir, migrated),
        "MUQING_SEARCH_BACKEND": "elasticsearch",
        "MUQING_ELASTICSEARCH_URL": elasticsearch,
        "MUQING_ELASTICSEARCH_INDEX_PREFIX": ES_PREFIX,
        "MUQING_BROKER_URL": redis,
        "MUQING_BROKER_KEY_PREFIX": REDIS_PREFIX,
    }


def reset(stack: Stack) -> None:
    """Empty the stack's database and search index."""
    import alerts.cases.models  # noqa: F401 - registers the alert tables for wiping
    from core.search.service import get_backend
    from tests.conftest import _wipe

    _wipe(stack.database_url)
    get_backend().drop()


@pytest.fixture(scope="session")
def _shared_cleanup() -> Iterator[None]:
    """At the end of the session, remove this session's indices and Redis keys from the shared servers."""
    yield
    es_url = os.environ.get("MUQING_TEST_ELASTICSEARCH_URL")
    if es_url:
        from core.search.elastic import ElasticsearchBackend

        try:
            ElasticsearchBackend(es_url, prefix=ES_PREFIX).drop()
        except Exception as exc:  # the server may be gone; say so rather than fail the session
            print(f"could not remove test indices {ES_PREFIX}*: {exc}")
    redis_url = os.environ.get("MUQING_TEST_REDIS_URL")
    if redis_url:
        delete_redis_keys(redis_url, REDIS_PREFIX)


def delete_redis_keys(url: str, prefix: str) -> None:
    """Delete the keys under ``prefix`` (never anything else)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    except redis.RedisError as exc:
        print(f"could not remove test keys {prefix}*: {exc}")


@pytest.fixture(params=STACKS)
def stack(
    request: pytest.FixtureRequest, session_dir: Path, _migrated_urls: dict[str, str], _shared_cleanup: None
) -> Iterator[Stack]:
    """An empty database and search index on each stack; the app's settings point at them for the test."""
    current = Stack(request.param, stack_env(request.param, session_dir, _migrated_urls))
    with settings_from(current.env):
        reset(current)
        yield current


@pytest.fixture(scope="module", params=STACKS)
def corpus(
    request: pytest.FixtureRequest, session_dir: Path, _migrated_urls: dict[str, str], _shared_cleanup: None
) -> Iterator[tuple[Stack, Loaded]]:
    """The example corpus stored and indexed once per stack, for a module's read-only tests."""
    from tests.scale.corpus import load

    current = Stack(request.param, stack_env(request.param, session_dir, _migrated_urls))
    with settings_from(current.env):
        reset(current)
        yield current, load()


@dataclass(slots=True)
class Running:
    """A stack with real job processes: its settings, the workers and beat, and where they log."""

    stack: Stack
    log_dir: Path
    processes: list[Process] = field(default_factory=list)

    def start(self, *processes: Process) -> None:
        """Start ``processes`` together and wait until each serves (workers) or schedules (beat)."""
        for process in processes:
            self.processes.append(process.start())
        for process in processes:
            process.wait_for_log("ready." if "worker" in process.argv else "beat: Starting", timeout=180)

    def stop(self) -> None:
        """Stop every process this stack started."""
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def queued_stack_env(name: str, session_dir: Path, migrated: dict[str, str], base: Path) -> dict[str, str]:
    """Settings of a stack whose jobs go through the queue to real workers, with a data directory of its own.

    Its own data directory gives the embedded stack its own file queue and index; the trained model of the
    session is shared through a link.
    """
    data_dir = base / f"data-{name}"
    data_dir.mkdir(parents=True, exist_ok=True)
    models = data_dir / "models"
    if not models.exists():
        models.symlink_to(session_dir / "models", target_is_directory=True)
    return {**stack_env(name, session_dir, migrated), "MUQING_DATA_DIR": str(data_dir), "MUQING_TASKS_EAGER": "0"}


@pytest.fixture(scope="module", params=STACKS)
def running(
    request: pytest.FixtureRequest,
    session_dir: Path,
    _migrated_urls: dict[str, str],
    _shared_cleanup: None,
    trained_model: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Running]:
    """A stack with one worker and beat running as separate processes (``muqing worker``, ``muqing beat``)."""
    base = tmp_path_factory.mktemp(f"running-{request.param}")
    current = Stack(request.param, queued_stack_env(request.param, session_dir, _migrated_urls, base))
    with settings_from(current.env):
        reset(current)
        state = Running(current, base)
        try:
            state.start(worker(current.env, base), beat(current.env, base))
            yield state
        finally:
            state.stop()


_PRIVATE = pytest.StashKey["PrivateServices"]()
FAULT_TESTS = "tests/scale/test_faults.py"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """When the fault tests will run, start their private servers now, so they boot while other tests run."""
    from tests.scale.private import PrivateServices

    if not any(item.nodeid.startswith(FAULT_TESTS) for item in items):
        return
    if not all(os.environ.get(name) for name in ("MUQING_TEST_POSTGRES_URL", "MUQING_TEST_ELASTICSEARCH_URL")):
        return  # the fault tests will skip (or fail under CI) on their own
    services = PrivateServices()
    services.launch()
    config.stash[_PRIVATE] = services


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop and remove the private servers, however the session ended."""
    services = config.stash.get(_PRIVATE, None)
    if services is not None:
        services.remove()


@pytest.fixture(scope="module")
def private(pytestconfig: pytest.Config, trained_model: str) -> PrivateServices:
    """Private PostgreSQL, Redis and Elasticsearch servers that fault tests may stop and start."""
    from tests.scale.private import PrivateServices

    need("MUQING_TEST_ELASTICSEARCH_URL", "Elasticsearch")
    need("MUQING_TEST_REDIS_URL", "Redis")
    need("MUQING_TEST_POSTGRES_URL", "PostgreSQL")
    services = pytestconfig.stash.get(_PRIVATE, None)
    if services is None:
        services = PrivateServices()
        pytestconfig.stash[_PRIVATE] = services
    services.ready()
    return services
