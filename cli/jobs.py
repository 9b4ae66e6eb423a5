"""The job worker's Celery app, wired (``celery -A cli.jobs:celery_app worker``)."""

from __future__ import annotations

import sys
from pathlib import Path

from celery import signals

from cli.modules import wire
from core.linux import PR_SET_PDEATHSIG, prctl
from core.tasks import celery_app

wire()


@signals.beat_embedded_init.connect
def _end_with_the_job_runner(**_: object) -> None:
    """The scheduler inside the job runner ends when the runner ends, however it ends.

    Otherwise a killed runner's scheduler lives on (the launcher adopts it) and sends every job a second time
    beside the restarted runner's own scheduler, until the launcher stops and, after its grace period, kills it.
    """
    import multiprocessing
    import os
    import signal

    runner = multiprocessing.parent_process()
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if runner is not None and os.getppid() != runner.pid:  # the runner ended before the request took effect
        os._exit(0)


__all__ = ["celery_app", "embedded_worker_command"]


def embedded_worker_command(*, schedule: Path | None = None, loglevel: str = "INFO") -> list[str]:
    """The job runner of the embedded mode: one process, threads, with beat when given its schedule file."""
    command = [sys.executable, "-m", "celery", "-A", "cli.jobs:celery_app", "worker"]
    if schedule is not None:
        command += ["--beat", "--schedule", str(schedule)]
    return [*command, "--pool", "threads", "--concurrency", "4", "--loglevel", loglevel]
