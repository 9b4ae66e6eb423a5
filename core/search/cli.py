"""Search commands: ``muqing reindex``."""

from __future__ import annotations

from typing import Annotated

import typer

from core.cli import fail, setup_logging
from core.errors import MuqingError


def register(app: typer.Typer) -> None:
    """Add the search commands to the ``muqing`` command."""
    app.command()(reindex)


def reindex(
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="posts per bulk write")] = 500,
) -> None:
    """Rebuild the search index from the database into a new index, then swap it in (searches never stop)."""
    from core.migrate import ensure_schema
    from core.search.service import get_backend
    from core.search.service import reindex as rebuild

    setup_logging()
    ensure_schema()
    try:
        report = rebuild(batch_size=batch_size)
    except MuqingError as exc:
        raise fail(exc) from exc
    backend = get_backend()
    typer.echo(
        f"{backend.label}: {report.documents} posts indexed into {report.index}"
        + (f", replacing {report.previous}" if report.previous else "")
    )
