"""Which services Muqing depends on answer now, and how much work waits for each (for /api/health/services)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text

from core.config import get_settings, redact_url
from core.db import session_scope
from core.errors import ServiceUnavailable


@dataclass(slots=True)
class ServiceState:
    """One service: what it is, where, whether it answers, and why not."""

    engine: str
    address: str
    ok: bool
    error: str | None = None


def _database() -> ServiceState:
    settings = get_settings()
    engine = "SQLite" if settings.is_sqlite else "PostgreSQL"
    try:
        with session_scope() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return ServiceState(engine, redact_url(settings.sqlalchemy_url), False, f"{type(exc).__name__}: {exc}"[:300])
    return ServiceState(engine, redact_url(settings.sqlalchemy_url), True)


def _queue() -> ServiceState:
    settings = get_settings()
    if not settings.broker_url:
        return ServiceState("file queue", str(settings.resolved_data_dir / "queue"), True)
    import redis

    address = redact_url(settings.broker_url)
    try:
        client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        return ServiceState("Redis", address, False, f"{type(exc).__name__}: {exc}"[:300])
    return ServiceState("Redis", address, True)


def _search() -> ServiceState:
    settings = get_settings()
    if settings.search_backend != "elasticsearch":
        return ServiceState("SQLite FTS5", str(settings.resolved_data_dir / "search"), True)
    from core.search.elastic import ElasticsearchBackend
    from core.search.service import get_backend

    backend = get_backend()
    assert isinstance(backend, ElasticsearchBackend)
    try:
        backend.ping()
    except ServiceUnavailable as exc:
        return ServiceState("Elasticsearch", redact_url(backend.url), False, exc.message)
    return ServiceState("Elasticsearch", redact_url(backend.url), True)


def check_services() -> dict[str, Any]:
    """The state of the database, the job queue and the search engine, and the work waiting in the outboxes."""
    from core.outbox import pending_count, stuck_count
    from core.search.service import pending_count as search_pending

    services = {"database": _database(), "queue": _queue(), "search": _search()}
    backlog: dict[str, int | None] = {"outbox": None, "outbox_stuck": None, "search": None}
    if services["database"].ok:
        with session_scope() as session:
            backlog = {
                "outbox": pending_count(session),
                "outbox_stuck": stuck_count(session),
                "search": search_pending(session),
            }
    ok = all(state.ok for state in services.values())
    return {
        "status": "ok" if ok else "degraded",
        "services": {name: asdict(state) for name, state in services.items()},
        "backlog": backlog,
    }
