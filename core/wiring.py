"""The seam between core and the domains: which modules hold jobs, search plugins and tables.

core never names a domain. The composition root (``cli/modules.py``) holds the lists and installs them here
when a process starts (the command, the web server, a job worker, the test suite). It also records its own
module name in ``MUQING_COMPOSITION``, so a child process it starts (a crawl, the crawl's writer) finds the
same lists: the first use here imports that module and calls its ``wire()``.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from core.config import Settings
from core.errors import ConfigurationError

ENV = "MUQING_COMPOSITION"


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A job the scheduler sends every ``every`` seconds (a number, or read from the settings)."""

    task: str
    every: float | Callable[[Settings], float]
    # Housekeeping that waited too long in a backed-up queue is dropped rather than piled up.
    housekeeping: bool = True


@dataclass(frozen=True, slots=True)
class Modules:
    """What core loads by name: modules with Celery tasks, search plugins and tables; job routes and schedule."""

    tasks: tuple[str, ...]
    search_plugins: tuple[str, ...]
    models: tuple[str, ...]
    task_routes: Mapping[str, str] = field(default_factory=dict)
    schedule: Mapping[str, Scheduled] = field(default_factory=dict)


_installed: Modules | None = None
_lock = threading.RLock()


def install(modules: Modules, *, root: str) -> None:
    """Set the domain modules of this process; ``root`` is the module whose ``wire()`` installs them again."""
    global _installed
    with _lock:
        _installed = modules
        os.environ[ENV] = root
    # A process that never sends or runs a job (a crawl, ``muqing --help``) need not load Celery for this:
    # core.tasks reads the installed modules when it is first imported.
    tasks = sys.modules.get("core.tasks")
    if tasks is not None and hasattr(tasks, "configure_celery"):
        tasks.use_task_modules(modules.tasks)


def installed(*, required: bool = True) -> Modules | None:
    """The installed modules; in a child process, those of the composition root its parent named."""
    if _installed is None:
        root = os.environ.get(ENV)
        if root:
            with _lock:
                if _installed is None:
                    importlib.import_module(root).wire()
    if _installed is None and required:
        raise ConfigurationError(f"未装配领域模块：请通过 muqing 命令启动，或先调用组合根的 wire()（{ENV} 未设置）")
    return _installed


def modules() -> Modules:
    """The installed modules (a clear error when no composition root installed any)."""
    found = installed()
    assert found is not None
    return found
