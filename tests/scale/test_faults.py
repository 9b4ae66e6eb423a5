"""Faults on the scale-out stack, with real servers stopped and started (private ones, never the shared ones).

Elasticsearch down, Redis down, PostgreSQL restarted while workers are busy: posts and alerts already
accepted are never lost, the outboxes drain when the service returns, and errors name the missing service.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import session_scope
from core.models import Analysis, OutboxEvent
from tests.scale.conftest import Running, Stack, settings_from
from tests.scale.private import PrivateServices
from tests.scale.processes import wait_until, worker
from tests.scale.test_pipeline import POSTS, alert_links, analysed, settled, store

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.elasticsearch]


@pytest.fixture(scope="module")
def faulty(
    private: PrivateServices, session_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Running, TestClient, dict[str, str]]]:
    """The scale-out stack on the private servers, with a worker and beat running, and an API client."""
    from alerts.seed import seed_defaults
    from cli.asgi import create_app
    from core.db import dispose_engines
    from core.migrate import upgrade
    from tests.factories import PASSWORD, make_user

    base = tmp_path_factory.mktemp("faults")
    data_dir = base / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(session_dir / "models", target_is_directory=True)
    env = {
        "MUQING_DATABASE_URL": private.urls["MUQING_TEST_POSTGRES_URL"],
        "MUQING_SEARCH_BACKEND": "elasticsearch",
        "MUQING_ELASTICSEARCH_URL": private.urls["MUQING_TEST_ELASTICSEARCH_URL"],
        "MUQING_ELASTICSEARCH_TIMEOUT": "5",
        "MUQING_BROKER_URL": private.urls["MUQING_TEST_REDIS_URL"],
        "MUQING_DATA_DIR": str(data_dir),
        "MUQING_TASKS_EAGER": "0",
        # Short, so the test sees a job lost with Redis sent again within seconds (production: 15 minutes).
        "MUQING_OUTBOX_LEASE_SECONDS": "10",
        "MUQING_BROKER_VISIBILITY_TIMEOUT": "10",
    }
    state = Running(Stack("scale-out", env), base)
    with settings_from(env):
        upgrade(url=env["MUQING_DATABASE_URL"])
        with session_scope() as session:
            seed_defaults(session)
        make_user("duty", "duty")
        try:
            from tests.scale.processes import beat

            state.start(worker(env, base), beat(env, base))
            with TestClient(create_app()) as client:
                response = client.post("/api/auth/token", data={"username": "duty", "password": PASSWORD})
                yield state, client, {"Authorization": f"Bearer {response.json()['access_token']}"}
        finally:
            state.stop()
            dispose_engines()


def service_states(client: TestClient) -> tuple[int, dict[str, dict[str, object]]]:
    response = client.get("/api/health/services")
    return response.status_code, response.json()["services"]


def analyses_per_post(post_ids: list[int]) -> set[int]:
    with session_scope() as session:
        rows = session.execute(
            select(func.count()).select_from(Analysis).where(Analysis.post_id.in_(post_ids)).group_by(Analysis.post_id)
        ).all()
    return {count for (count,) in rows}


def test_elasticsearch_down_search_says_so_and_indexing_waits_without_losing_posts(
    faulty: tuple[Running, TestClient, dict[str, str]], private: PrivateServices
) -> None:
    from core.search.service import pending_count as search_pending

    _, client, auth = faulty
    private.stop("elasticsearch")

    response = client.get("/api/search", params={"q": "养猪场"}, headers=auth)
    assert response.status_code == 503
    assert "Elasticsearch" in response.json()["detail"] and response.json()["details"]["service"] == "elasticsearch"
    status, states = service_states(client)
    assert status == 503
    assert states["search"]["ok"] is False and states["search"]["engine"] == "Elasticsearch"
    assert states["database"]["ok"] is True and states["queue"]["ok"] is True

    ids = store(POSTS, "search-outage")  # accepted while search is down
    with session_scope() as session:
        assert search_pending(session) >= len(ids)
    private.launch("elasticsearch")  # boots while the pipeline goes on without it
    wait_until(lambda: analysed(ids), timeout=120, what="analysis to go on without Elasticsearch")

    private.ready()
    wait_until(settled, timeout=120, what="the search outbox to drain once Elasticsearch is back")
    found = client.get("/api/search", params={"q": "养猪场 粪污", "size": 100}, headers=auth).json()
    assert ids[0] in {hit["post_id"] for hit in found["hits"]}
    assert service_states(client)[0] == 200


def test_redis_down_and_restarted_empty_loses_no_job(
    faulty: tuple[Running, TestClient, dict[str, str]], private: PrivateServices
) -> None:
    running, client, _ = faulty
    first_worker = next(process for process in running.processes if process.name == "worker")
    # Jobs sent to Redis while no worker takes them, then Redis restarts empty (no persistence): lost there.
    first_worker.stop()
    queued = store(POSTS, "lost-in-redis")
    private.stop("redis")
    # Posts accepted while Redis is down: committed, their jobs wait in the outbox.
    waiting = store(POSTS, "redis-down")
    with session_scope() as session:
        errors = session.scalars(
            select(OutboxEvent.last_error).where(
                OutboxEvent.completed_at.is_(None), OutboxEvent.dispatched_at.is_(None)
            )
        ).all()
    assert len(errors) >= len(waiting)
    assert all("Redis" in (error or "") and private.env["MUQING_REDIS_PORT"] in (error or "") for error in errors)
    status, states = service_states(client)
    assert status == 503 and states["queue"]["ok"] is False and states["queue"]["engine"] == "Redis"

    private.start("redis")
    running.start(worker(running.stack.env, running.log_dir, name="worker-after-redis"))
    everything = queued + waiting
    wait_until(lambda: analysed(everything), timeout=150, what="every job to be done after Redis came back")
    wait_until(settled, timeout=90, what="the outbox to drain")
    assert analyses_per_post(everything) == {1}
    links = alert_links()
    assert all(links.get(post_id, 0) <= 1 for post_id in everything)


def test_postgres_restarted_while_workers_are_busy_loses_and_repeats_nothing(
    faulty: tuple[Running, TestClient, dict[str, str]], private: PrivateServices
) -> None:
    from alerts.cases.models import AlertEvent, AlertPost
    from core.health import check_services

    _, client, _ = faulty
    ids = store(POSTS * 4, "postgres-restart")
    private.stop("postgres")
    down = check_services()
    assert down["services"]["database"]["ok"] is False and down["services"]["database"]["engine"] == "PostgreSQL"
    response = client.get("/api/health/services")
    assert response.status_code == 503 and response.json()["services"]["database"]["engine"] == "PostgreSQL"
    private.start("postgres")

    wait_until(lambda: analysed(ids), timeout=180, what="every post to be analysed after the restart")
    wait_until(settled, timeout=120, what="the outboxes to drain")
    assert analyses_per_post(ids) == {1}
    with session_scope() as session:
        linked = set(session.scalars(select(AlertPost.post_id).where(AlertPost.post_id.in_(ids))))
        needing = set(
            session.scalars(select(Analysis.post_id).where(Analysis.post_id.in_(ids), Analysis.needs_response))
        )
        raised = session.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.action == "raise"))
        alerts = session.scalar(select(func.count(func.distinct(AlertPost.alert_id))))
    assert linked == needing
    assert raised == alerts  # one audit "raise" per alert: no job raised an alert twice
