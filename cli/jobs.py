"""The job worker's Celery app, wired (``celery -A cli.jobs:celery_app worker``)."""

from __future__ import annotations

import sys
from pathlib import Path

from cli.modules import wire
from core.tasks import celery_app

wire()

__all__ = ["celery_app", "embedded_worker_command"]


def embedded_worker_command(*, schedule: Path | None = None, loglevel: str = "INFO") -> list[str]:
    """The job runner of the embedded mode: one process, threads, with beat when given its schedule file."""
    command = [sys.executable, "-m", "celery", "-A", "cli.jobs:celery_app", "worker"]
    if schedule is not None:
        command += ["--beat", "--schedule", str(schedule)]
    return [*command, "--pool", "threads", "--concurrency", "4", "--loglevel", loglevel]
