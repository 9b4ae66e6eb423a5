"""The API as `muqing api` serves it: forwarded addresses are not believed, tokens stay out of the access log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_up import free_port, wait_for


@pytest.fixture
def served(seeded: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`muqing api` on a free port over the test database; yields its URL and its log file."""
    from tests.factories import make_user

    make_user("duty", "duty")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUQING_") or k.startswith("MUQING_TEST")}
    env.update(
        MUQING_DATA_DIR=os.environ["MUQING_DATA_DIR"],
        MUQING_DATABASE_URL=seeded,
        MUQING_TASKS_EAGER="1",
        MUQING_ENV="test",
    )
    log_path = tmp_path / "api.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "api", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: httpx.get(f"{base}/api/health").status_code == 200, 120, "the API to answer")
            yield base, log_path
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def test_forwarded_for_from_loopback_does_not_dodge_the_sign_in_throttle(served: tuple[str, Path]) -> None:
    base, _ = served
    statuses = []
    for attempt in range(22):
        response = httpx.post(
            f"{base}/api/auth/token",
            data={"username": f"guess{attempt}", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}"},
        )
        statuses.append(response.status_code)
    # Twenty failures from one address, whatever the header says: the address is throttled.
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429], statuses


def test_the_stream_token_is_not_written_to_the_access_log(served: tuple[str, Path]) -> None:
    base, log_path = served
    token = httpx.post(f"{base}/api/auth/token", data={"username": "duty", "password": "correct horse battery"}).json()[
        "access_token"
    ]
    with httpx.stream("GET", f"{base}/api/notifications/stream?access_token={token}&max_seconds=0.2") as stream:
        assert stream.status_code == 200
        stream.read()
    wait_for(lambda: "/api/notifications/stream" in log_path.read_text(), 10, "the access log line")
    text = log_path.read_text()
    assert token not in text and "access_token=***" in text
