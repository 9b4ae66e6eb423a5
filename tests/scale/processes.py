"""Real worker and beat processes for the tests, started with the ``muqing`` command as production does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def process_env(settings: dict[str, str]) -> dict[str, str]:
    """The environment of a child process: this one's, minus test switches, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if key != "MUQING_TASKS_EAGER"}
    env.update(settings)
    env["MUQING_TASKS_EAGER"] = "0"
    env["MUQING_ENV"] = "test"
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


class Process:
    """A child process in its own process group, logging to a file; stopped (or killed) as a group."""

    def __init__(self, name: str, argv: list[str], settings: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.settings = settings
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        """Start the process (its output goes to the log file)."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=process_env(self.settings),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 120) -> None:
        """Wait until ``text`` appears in the log; fail with the log's end if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no {text!r} after {timeout:.0f}s:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole process group at once: no clean-up, no acknowledgements, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Ask the process group to stop (SIGTERM); kill it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def worker(settings: dict[str, str], log_dir: Path, *, name: str = "worker", concurrency: int = 1) -> Process:
    """``muqing worker`` (prefork, as in production)."""
    argv = [sys.executable, "-m", "cli", "worker", "--concurrency", str(concurrency)]
    return Process(name, argv, settings, log_dir)


def beat(settings: dict[str, str], log_dir: Path, *, name: str = "beat") -> Process:
    """``muqing beat``."""
    return Process(name, [sys.executable, "-m", "cli", "beat"], settings, log_dir)


def wait_until(check: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {result!r})")
        time.sleep(interval)
