"""Every job the system runs is a real Celery task, retried on transient faults, and routed to a queue."""

from __future__ import annotations

import pytest

# What each job of the design is called, and the queue it goes to.
JOBS = {
    "crawl": ("crawlers.crawl_source", "crawl"),
    "analyse": ("nlp.analyze_post", "default"),
    "raise alert": ("alerts.raise_alert", "default"),
    "reindex": ("core.reindex_search", "maintenance"),
    "retrain": ("nlp.retrain", "maintenance"),
    "search sync": ("core.sync_search", "default"),
    "outbox relay": ("core.relay_outbox", "default"),
}


@pytest.fixture(scope="module")
def app() -> object:
    from core.tasks import celery_app

    celery_app.loader.import_default_modules()
    return celery_app


@pytest.mark.parametrize("job", sorted(JOBS))
def test_each_job_is_a_registered_task_routed_to_its_queue(app: object, job: str) -> None:
    from core.tasks import MuqingTask

    name, queue = JOBS[job]
    task = app.tasks[name]  # type: ignore[attr-defined]
    assert isinstance(task, MuqingTask)
    assert task.acks_late is True and task.reject_on_worker_lost is True
    route = app.amqp.router.route({}, name)  # type: ignore[attr-defined]
    assert (route["queue"].name, route["queue"].routing_key) == (queue, queue)


def test_every_task_is_routed_to_a_known_queue_and_every_schedule_names_a_task(app: object) -> None:
    from core.tasks import QUEUES

    ours = [name for name in app.tasks if not name.startswith("celery.")]  # type: ignore[attr-defined]
    assert ours
    for name in ours:
        assert app.amqp.router.route({}, name)["queue"].name in QUEUES  # type: ignore[attr-defined]
    for entry in app.conf.beat_schedule.values():  # type: ignore[attr-defined]
        assert entry["task"] in app.tasks, entry  # type: ignore[attr-defined]


def test_transient_faults_are_retried_with_backoff_and_never_given_up(app: object) -> None:
    from sqlalchemy.exc import OperationalError

    from core.errors import ServiceUnavailable

    task = app.tasks["nlp.analyze_post"]  # type: ignore[attr-defined]
    assert OperationalError in task.autoretry_for and ServiceUnavailable in task.autoretry_for
    assert task.max_retries is None and task.retry_backoff
