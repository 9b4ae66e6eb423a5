"""`muqing up --demo` as a new user runs it: the demo answers, crawls, raises an alert; a case walks to closed."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

PASSWORD = "demo-pass-for-tests"
# Our own waits, added up, stay below pytest's limit for these tests, so a slow start fails with our message
# (what was awaited, the last error) instead of pytest's bare timeout: first start, a routed alert, stopping.
START_SECONDS, ALERT_SECONDS, STOP_SECONDS = 300, 120, 30
pytestmark = pytest.mark.timeout(START_SECONDS + ALERT_SECONDS + 2 * STOP_SECONDS + 60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Any, timeout: float, what: str, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} ({last})")


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def running(
    trained_model: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    from nlp.registry import models_dir

    data_dir = tmp_path_factory.mktemp("up")
    # A first start trains the classifier (a minute or more on a busy 2-core machine) with the same
    # train_from_corpus the session's model came from; these tests are about what runs after it, so they
    # start with that model already in place, as after any later start.
    shutil.copytree(models_dir() / trained_model, data_dir / "models" / trained_model)
    (data_dir / "models" / "ACTIVE").write_text(trained_model, encoding="utf-8")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MUQING_") or key.startswith("MUQING_TEST")
    }
    env.update(MUQING_DATA_DIR=str(data_dir), MUQING_PORT=str(port), MUQING_DEMO_PASSWORD=PASSWORD)
    log = (data_dir / "up.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "up", "--demo"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # As started from a terminal: a test run started in the background inherits SIGINT ignored, and
        # Python then keeps ignoring it, so the launcher would never see the Ctrl-C the test sends.
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/api/health").status_code == 200, START_SECONDS, "the API to answer")
        yield base, process, data_dir
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def token(base: str, username: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_demo_raises_a_routed_alert_with_deadlines_and_a_case_walks_to_closed(
    running: tuple[str, subprocess.Popen[bytes], Path], trained_model: str
) -> None:
    base, _, data_dir = running
    duty = token(base, "duty")
    # The model in place was used, not trained anew.
    log = (data_dir / "up.log").read_text(encoding="utf-8", errors="replace")
    assert "training the first classifier" not in log
    assert (data_dir / "models" / "ACTIVE").read_text().strip() == trained_model

    def routed_alert() -> dict[str, Any] | None:
        items = httpx.get(f"{base}/api/alerts", headers=duty).json()["items"]
        return next((a for a in items if a["section"] and a["ack_due"] and a["close_due"]), None)

    alert = wait_for(routed_alert, ALERT_SECONDS, "a routed alert from the demo crawl")
    code, alert_id = alert["section"]["code"], alert["id"]
    # The demo seeds a roster covering now: the new case went to the demo duty officer, not to nobody.
    on_duty = httpx.get(f"{base}/api/roster/now", headers=duty).json()
    assert on_duty["user"]["username"] == "duty" and on_duty["shift"] is not None
    assert alert["duty_user_id"] == on_duty["user"]["id"]

    def act(headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{base}/api/alerts/{alert_id}/transitions", headers=headers, json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    act(duty, {"action": "acknowledge"})
    act(duty, {"action": "assign"})
    staff, head = token(base, f"{code}-staff"), token(base, f"{code}-head")
    act(staff, {"action": "start"})
    act(staff, {"action": "respond", "response": {"content": "已到现场核查并回复群众", "channel": "board_reply"}})
    assert act(head, {"action": "close"})["status"] == "closed"

    other = "office" if code != "office" else "quality"
    assert httpx.get(f"{base}/api/alerts/{alert_id}", headers=token(base, f"{other}-staff")).status_code == 404

    figures = httpx.get(f"{base}/api/stats/timeliness", headers=token(base, "leader")).json()["sections"]
    row = next(r for r in figures if r["section"] and r["section"]["code"] == code)
    assert row["closed"] >= 1 and row["close_on_time_rate"] == 1.0 and row["ack_on_time_rate"] == 1.0

    page = httpx.get(f"{base}/login")
    assert page.status_code == 200 and "登录" in page.text


def _job_runners(launcher: int) -> list[int]:
    """The launcher's children started as the job runner (a runner's scheduler it adopted looks the same)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(stat[1]) == launcher and b"celery" in command and b"worker" in command:
            found.append(int(entry.name))
    return sorted(found)


def _job_runner(launcher: int) -> int | None:
    runners = _job_runners(launcher)
    return runners[0] if len(runners) == 1 else None


def test_a_killed_job_runner_is_restarted_and_its_interrupted_crawl_is_marked(
    running: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    import sqlite3

    base, process, data_dir = running
    duty, admin = token(base, "duty"), token(base, "admin")
    sources = httpx.get(f"{base}/api/sources", headers=duty).json()["items"]
    source = next(s for s in sources if s["name"] == "demo-board")
    # A crawl the job runner was in the middle of when it died.
    with sqlite3.connect(data_dir / "muqing.db") as db:
        interrupted = db.execute(
            "INSERT INTO crawl_run (source_id, started_at, status, params, requests, items, stored, duplicates,"
            " errors, drops, stats) VALUES (?, datetime('now'), 'running', '{}', 0, 0, 0, 0, 0, '{}', '{}')",
            (source["id"],),
        ).lastrowid
    first = _job_runner(process.pid)
    assert first is not None
    os.kill(first, signal.SIGKILL)

    again = wait_for(lambda: (pid := _job_runner(process.pid)) and pid != first and pid, 60, "a new job runner")
    # The killed runner's scheduler ended with it: only the new runner's sends the scheduled jobs.
    assert _job_runners(process.pid) == [again]
    assert process.poll() is None and httpx.get(f"{base}/api/health").status_code == 200
    run = wait_for(
        lambda: (
            (r := httpx.get(f"{base}/api/crawl-runs/{interrupted}", headers=duty).json())["status"] != "running" and r
        ),
        30,
        "the interrupted run to be marked",
    )
    assert run["status"] == "failed" and "抓取中断" in run["error"]

    # The new job runner works: a crawl asked for now is done by it.
    def newest() -> dict[str, object]:
        runs = httpx.get(f"{base}/api/crawl-runs", headers=duty, params={"source_id": source["id"]}).json()
        return dict(runs["items"][0])

    assert httpx.post(f"{base}/api/sources/{source['id']}/crawl", headers=admin).status_code in (200, 202)
    wait_for(
        lambda: int(str(newest()["id"])) > (interrupted or 0) and newest()["status"] == "succeeded",
        180,
        "a crawl by the restarted job runner",
    )
    assert _job_runner(process.pid) == again
    assert "starting it again" in (data_dir / "up.log").read_text(encoding="utf-8", errors="replace")


def test_ctrl_c_stops_every_component(running: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    _, process, data_dir = running
    children = subprocess.run(
        ["pgrep", "-g", str(process.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert len(children) >= 4, "expected the launcher, API, job runner and demo board"
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=STOP_SECONDS) == 0

    def left() -> str:
        group = ["pgrep", "-g", str(process.pid)]
        return subprocess.run(group, capture_output=True, text=True, check=False).stdout.strip()

    # The launcher waited for its children; a straggler would still be there after a grace second.
    deadline = time.monotonic() + 1
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left() == "", f"processes left running: {left()}"
    assert "stopping" in (data_dir / "up.log").read_text(encoding="utf-8", errors="replace")
