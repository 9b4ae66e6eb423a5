"""Through a real Celery worker (file-system queue, as `muqing up` runs it): a receiver fails, then recovers."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.notify.models import Delivery, NotificationChannel
from core.db import session_scope
from tests.alerts.receivers import HttpReceiver, http_receiver
from tests.factories import make_alert, make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker on this test's database and its own queue directory; jobs from here go to it."""
    from tests.conftest import reload_settings

    monkeypatch.setenv("MUQING_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MUQING_TASKS_EAGER", "0")
    monkeypatch.setenv("MUQING_NOTIFY_RETRY_BASE_SECONDS", "0.5")
    reload_settings()
    env = {**os.environ, "MUQING_DATABASE_URL": db}
    log = (tmp_path / "worker.log").open("wb")
    from cli.jobs import embedded_worker_command

    process = subprocess.Popen(
        embedded_worker_command(),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()
    monkeypatch.undo()
    reload_settings()


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_worker_retries_with_backoff_until_the_receiver_recovers(
    seeded: str, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    make_user("duty", "duty")
    with http_receiver() as receiver:
        receiver.fail_next = 2
        with session_scope() as session:
            session.add(NotificationChannel(name="平台", kind="webhook", config={"url": f"{receiver.url}/hook"}))
        alert_id = make_alert()
        ok = receiver.event.wait(timeout=240)  # a busy machine starts a worker slowly
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert ok, f"the webhook never arrived; worker log:\n{log[-3000:]}"
        assert receiver.failures == 2 and len(receiver.on("/hook")) == 1
        assert receiver.on("/hook")[0].json()["alert"]["id"] == alert_id

    def logged() -> bool:
        with session_scope() as session:
            delivery = session.scalar(select(Delivery).where(Delivery.channel == "webhook"))
            return delivery is not None and delivery.status == "sent" and delivery.attempts == 3

    wait_until(logged, 30, "the delivery log to show three attempts")
    assert isinstance(receiver, HttpReceiver)
