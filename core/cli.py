"""Helpers shared by the command modules of each domain.

The command modules import only typer and what these helpers need at the top: ``muqing --help`` loads them
all, so the database, the job queue and the migrations are imported inside the commands that use them.
"""

from __future__ import annotations

import logging
import sys

import typer

from core.errors import MuqingError


def setup_logging() -> None:
    """Log to stderr at the configured level."""
    from core.config import get_settings

    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def fail(error: MuqingError | Exception) -> typer.Exit:
    """Print a domain error for the user and return the exit to raise."""
    message = error.message if isinstance(error, MuqingError) else str(error)
    typer.secho(f"错误：{message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)
