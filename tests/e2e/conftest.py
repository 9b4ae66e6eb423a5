"""End-to-end fixtures: a real server process on a seeded database, and a real Chromium driven by Playwright.

The browser is Debian's Chromium (MUQING_TEST_CHROMIUM); Playwright never downloads one. Screenshots of
each main page, desktop and phone size, go to test-output/screenshots/ (ignored by git) for people to look at.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine

from tests.services import need

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
DEMO_PASSWORD = "muqing-e2e-pass"
SECTIONS = ("office", "production", "epidemic", "quality", "vetstation")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """The app under test: its address and database."""

    base: str
    database_url: str
    pid: int = 0


def _seed(database_url: str) -> None:
    """Default organisation, one user per role and section, and a few cases in different states."""
    from alerts.seed import seed_defaults
    from core.db import session_scope
    from core.service import create_user
    from tests.e2e.seed import seed_cases

    with session_scope() as session:
        seed_defaults(session)
        for name, role in (("admin", "admin"), ("duty", "duty"), ("leader", "leader")):
            create_user(session, username=name, password=DEMO_PASSWORD, role=role, display_name=_display(name))
        for code in SECTIONS:
            for role in ("staff", "head"):
                create_user(
                    session,
                    username=f"{code}-{role}",
                    password=DEMO_PASSWORD,
                    role=role,
                    section_code=code,
                    display_name=_display(f"{code}-{role}"),
                )
    seed_cases()


NAMES = {"admin": "管理员老周", "duty": "值班员小李", "leader": "刘主任"}


def _display(username: str) -> str:
    if username in NAMES:
        return NAMES[username]
    code, role = username.split("-")
    surname = {"office": "陈", "production": "王", "epidemic": "赵", "quality": "孙", "vetstation": "吴"}[code]
    return f"{surname}{'科长' if role == 'head' else '干事'}"


@pytest.fixture(scope="session")
def chromium() -> str:
    return need("MUQING_TEST_CHROMIUM", "Chromium")


@pytest.fixture(scope="module")
def server(chromium: str, trained_model: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A uvicorn process serving the app on a free port, on a seeded SQLite database shared with the test."""
    with serve(tmp_path_factory) as running:
        yield running


@pytest.fixture(scope="package")
def reading_server(chromium: str, trained_model: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the modules that only read (walk pages, fetch documents): each start costs seconds."""
    with serve(tmp_path_factory) as running:
        yield running


@contextmanager
def serve(
    tmp_path_factory: pytest.TempPathFactory, *, now: str | None = None, seed: Callable[[], None] | None = None
) -> Iterator[Server]:
    """Start the app on a fresh seeded database; with ``now``, the server's clock starts there and ticks on."""
    from core.migrate import upgrade
    from nlp.registry import models_dir
    from tests.conftest import reload_settings

    data_dir = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{data_dir / 'e2e.db'}"
    os.environ["MUQING_DATABASE_URL"] = database_url
    reload_settings()
    upgrade(url=database_url)
    with time_machine.travel(now, tick=True) if now is not None else contextlib.nullcontext():
        _seed(database_url)
        if seed is not None:
            seed()
    # The server classifies (hand-entered cases): it gets the session's trained model rather than training its own.
    shutil.copytree(models_dir(), data_dir / "models", dirs_exist_ok=True)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQING_") or "TEST" in key}
    env.update(
        MUQING_DATA_DIR=str(data_dir),
        MUQING_DATABASE_URL=database_url,
        MUQING_ENV="test",
        MUQING_TASKS_EAGER="1",
    )
    if now is not None:
        env["MUQING_TEST_NOW"] = now
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            *(("tests.e2e.clocked", str(port)) if now is not None else ("uvicorn", "cli.asgi:create_app")),
            *(("--factory", "--host", "127.0.0.1", "--port", str(port)) if now is None else ()),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start:\n" + (data_dir / "server.log").read_text()[-3000:])
            time.sleep(0.3)
        yield Server(base, database_url, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        os.environ.pop("MUQING_DATABASE_URL", None)
        reload_settings()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    """Headless Debian Chromium, no downloads, a fresh profile; one per session (each person gets a context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every run a fresh, temporary profile (user-data dir) of its own.
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Person:
    """One signed-in user in their own browser context (own cookies), at desktop or phone size."""

    def __init__(self, browser: Any, server: Server, username: str, *, phone: bool = False) -> None:
        self.server = server
        self.username = username
        self.size = "phone" if phone else "desktop"
        self.context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=phone,
            has_touch=phone,
        )
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def sign_in(self) -> Person:
        page = self.page
        page.goto(self.server.base + "/login")
        page.get_by_label("用户名").fill(self.username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return self

    def open(self, path: str) -> Any:
        response = self.page.goto(self.server.base + path)
        return response

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}-{self.size}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        assert not self.errors, f"script errors on {self.username}'s pages: {self.errors}"
        self.context.close()
