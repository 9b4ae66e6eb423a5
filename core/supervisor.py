"""Keeping `muqing up`'s children alive: a job runner that dies is started again, and nothing is left hanging.

The API and the demo board are needed as they are: when one of them stops, everything stops (a second
port would surprise people). The job runner is restarted with a growing pause, and after too many exits
in a short time the launcher gives up and stops everything, saying why.
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 600.0
FIRST_PAUSE_SECONDS = 1.0


@dataclass
class Restartable:
    """A child that is started again when it exits: how to start it, and what to do first each time."""

    name: str
    command: Sequence[str]
    env: dict[str, str]
    before_restart: Callable[[], None] = lambda: None
    restarts: list[float] = field(default_factory=list)


def supervise(
    children: list[subprocess.Popen[bytes]],
    restartable: dict[int, Restartable],
    *,
    poll_seconds: float = 0.5,
    now: Callable[[], float] = time.monotonic,
) -> str:
    """Watch ``children``; restart the ones in ``restartable`` (by index); return why supervision ended."""
    while True:
        for index, child in enumerate(children):
            code = child.poll()
            if code is None:
                continue
            spec = restartable.get(index)
            if spec is None:
                args = child.args if isinstance(child.args, list) else [child.args]
                return f"component {' '.join(map(str, args[:4]))} stopped (exit code {code})"
            spec.restarts = [at for at in spec.restarts if now() - at < RESTART_WINDOW_SECONDS]
            if len(spec.restarts) >= MAX_RESTARTS:
                return f"{spec.name} stopped {MAX_RESTARTS} times within {RESTART_WINDOW_SECONDS:.0f} s"
            pause = FIRST_PAUSE_SECONDS * 2 ** len(spec.restarts)
            log.error("%s exited (code %s); starting it again in %.0f s", spec.name, code, pause)
            time.sleep(pause)
            spec.before_restart()
            spec.restarts.append(now())
            children[index] = subprocess.Popen(list(spec.command), env=spec.env)
        time.sleep(poll_seconds)
