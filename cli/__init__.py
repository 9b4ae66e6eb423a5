"""The composition root: the ``muqing`` command, the web application and the job worker, wired together.

It is the one package that imports every other: it installs the domains' modules into core
(``cli.modules``), mounts the web pages beside the API (``cli.asgi``) and starts the processes.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # ``from cli import app`` (the typer command) without importing every command for the other modules here.
    if name == "app":
        from cli.commands import app

        return app
    raise AttributeError(name)
