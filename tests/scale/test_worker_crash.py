"""A worker killed (SIGKILL) in the middle of a job loses nothing and repeats nothing anyone can see.

Scale-out: the job was acknowledged late, so Redis hands it to the next worker after the visibility timeout.
Embedded: the file queue forgets a job taken by a dead worker; the outbox sends it again after its lease.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import session_scope
from core.models import Analysis, OutboxEvent
from tests.scale.conftest import STACKS, Running, Stack, queued_stack_env, reset, settings_from
from tests.scale.processes import Process, beat, wait_until, worker
from tests.scale.test_pipeline import POSTS, alert_links, analysed, settled, store


@pytest.fixture(params=STACKS)
def crashing(
    request: pytest.FixtureRequest,
    session_dir: Path,
    _migrated_urls: dict[str, str],
    _shared_cleanup: None,
    trained_model: str,
    tmp_path: Path,
) -> Iterator[Running]:
    from alerts.seed import seed_defaults

    env = queued_stack_env(request.param, session_dir, _migrated_urls, tmp_path)
    if request.param == "scale-out":
        env["MUQING_BROKER_VISIBILITY_TIMEOUT"] = "5"
    else:
        env["MUQING_OUTBOX_LEASE_SECONDS"] = "5"
    env["MUQING_TEST_PAUSE_REQUEST"] = str(tmp_path / "pause")
    state = Running(Stack(request.param, env), tmp_path)
    with settings_from(env):
        reset(state.stack)
        with session_scope() as session:
            seed_defaults(session)
        try:
            yield state
        finally:
            state.stop()


def test_a_worker_killed_inside_a_job_loses_nothing_and_repeats_nothing(crashing: Running) -> None:
    from alerts.cases.models import AlertEvent

    pause = Path(crashing.stack.env["MUQING_TEST_PAUSE_REQUEST"])
    pause.touch()
    doomed = Process(
        "worker-doomed",
        [sys.executable, "-m", "celery", "-A", "tests.scale.paused_app:celery_app", "worker", "-c", "1", "-l", "INFO"],
        crashing.stack.env,
        crashing.log_dir,
    )
    crashing.start(doomed, beat(crashing.stack.env, crashing.log_dir))

    (post_id,) = store(POSTS[:1], "crash")
    paused = pause.with_name(pause.name + ".paused")
    wait_until(paused.exists, timeout=120, what="the worker to stop inside the analysis")
    doomed.kill()
    assert not analysed([post_id])  # it was written inside the job's transaction, which died with the worker

    crashing.start(worker(crashing.stack.env, crashing.log_dir, name="worker-next"))
    wait_until(lambda: analysed([post_id]), timeout=120, what="another worker to do the job again")
    wait_until(settled, timeout=60, what="the outboxes to drain")

    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Analysis)) == 1
        needs_response = session.scalar(select(Analysis.needs_response))
        raised = session.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.action == "raise"))
        sends = session.scalar(select(OutboxEvent.attempts).where(OutboxEvent.topic == "nlp.analyze_post"))
    assert alert_links() == ({post_id: 1} if needs_response else {})
    assert raised == (1 if needs_response else 0)
    if crashing.stack.name == "scale-out":
        assert sends == 1, "Redis itself handed the unacknowledged job to the next worker"
    else:
        assert sends is not None and sends >= 2, "the outbox sent the job again after its lease"
