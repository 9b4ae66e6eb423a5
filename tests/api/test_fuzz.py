"""schemathesis against our own OpenAPI on the embedded stack, signed in as duty, staff and admin: no 5xx.

The stack is `muqing up --demo` (API, job runner, demo board; SQLite and the file queue) in a data
directory of its own. Every operation is tried: examples, boundary values (coverage), random data
(fuzzing) and call sequences along the links schemathesis finds (stateful). The seed is in each test's
name, so the log tells how to replay a failure: ``MUQING_FUZZ_SEED=<seed> pytest tests/api/test_fuzz.py``.
``MUQING_FUZZ_EXAMPLES`` raises the number of examples per operation and ``MUQING_FUZZ_FULL=1`` runs the
boundary-value phase as every role (see ``PHASES``), for a longer run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_up import free_port, wait_for

PASSWORD = "fuzz-pass-for-tests"
SEED = int(os.environ.get("MUQING_FUZZ_SEED") or random.randrange(1, 2**31))
EXAMPLES = int(os.environ.get("MUQING_FUZZ_EXAMPLES") or 5)
ROLES = ("duty", "production-staff", "admin")
ALL_PHASES = "examples,coverage,fuzzing,stateful"
# The coverage phase (every boundary value of every parameter, ~5,900 cases a role) dominates the run's time: it
# runs as duty and as admin, who between them reach every operation; staff, refused most of them, gets random
# data and call sequences. MUQING_FUZZ_FULL=1 runs every phase as every role.
FULL = os.environ.get("MUQING_FUZZ_FULL") == "1"
PHASES = {role: ALL_PHASES if role != "production-staff" or FULL else "examples,fuzzing,stateful" for role in ROLES}
# Schema-invalid input is refused by request validation, which is the same code for every role, before any
# role-dependent work: admin, who reaches all operations, sends it to every one (boundary values and random
# data), staff sends random invalid data too. Duty sends only valid input, which reaches the role-dependent
# handlers (in one run, 1,929 of duty's 5,861 boundary cases went to operations that refuse duty before reading
# a parameter, and only 642 got past validation and the rules). MUQING_FUZZ_FULL=1 sends both kinds as every role.
MODES = {role: "positive" if role == "duty" and not FULL else "all" for role in ROLES}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, trained_model: str, session_dir: Path) -> Iterator[str]:
    """The embedded stack on a free port, with the demo users; yields its base URL."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    # The session's classifier, so the stack does not train its own (minutes on a busy machine).
    shutil.copytree(session_dir / "models", data_dir / "models")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUQING_") or k.startswith("MUQING_TEST")}
    env.update(
        MUQING_DATA_DIR=str(data_dir),
        MUQING_PORT=str(port),
        MUQING_DEMO_PASSWORD=PASSWORD,
        MUQING_DEMO_SITE_PORT=str(free_port()),
        # A configured push: without a token the hotline push answers 503 by design (tests/api/test_hotline.py).
        MUQING_HOTLINE_TOKEN="fuzz-hotline-token",
    )
    log = (data_dir / "up.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "up", "--demo"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/api/health").status_code == 200, 300, "the API to answer")
        # Cases to work on: the demo board's posts raise some once the first crawl is through.
        duty = _token(base, "duty")
        wait_for(lambda: _count(base, "/api/alerts", duty) > 0, 300, "the demo crawl to raise a case")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        _print_server_errors(data_dir / "up.log")


@pytest.fixture(scope="module")
def tokens(stack: str) -> dict[str, str]:
    """A token per role, taken before any run: fuzzing the sign-in soon throttles this address."""
    return {role: _token(stack, role) for role in ROLES}


def _token(base: str, username: str) -> str:
    response = httpx.post(f"{base}/api/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _count(base: str, path: str, token: str) -> int:
    response = httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    return int(response.json().get("total", 0)) if response.status_code == 200 else 0


def _print_server_errors(log: Path) -> None:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [i for i, line in enumerate(lines) if '" 50' in line and "HTTP/1.1" in line]
    for index in errors[:20]:
        print("\n".join(lines[max(index - 40, 0) : index + 1]))


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("role", ROLES, ids=[f"{role}-seed{SEED}" for role in ROLES])
def test_no_server_error_on_any_operation(stack: str, tokens: dict[str, str], role: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{stack}/api/openapi.json",
        "--header",
        f"Authorization: Bearer {tokens[role]}",
        "--checks",
        "not_a_server_error",
        "--phases",
        PHASES[role],
        "--mode",
        MODES[role],
        "--max-examples",
        str(EXAMPLES),
        # The live stream answers for as long as the client stays: every example would run into the timeout.
        # Its parameters are bounded like every other (tests/api/test_bounds.py) and its behaviour tested apart.
        "--exclude-path",
        "/api/notifications/stream",
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path)
    print(run.stdout[-6000:])
    summary = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    seconds = time.monotonic() - started
    print(f"role={role} seed={SEED} examples={EXAMPLES} phases={PHASES[role]} mode={MODES[role]} seconds={seconds:.0f}")
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, ensure_ascii=False)[:2000])
    assert run.returncode == 0, (
        f"schemathesis found server errors as {role} (replay: MUQING_FUZZ_SEED={SEED}):\n{run.stdout[-20000:]}"
    )
