"""Request parameters shared by routes: turning what a request asked for into a clear 422."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import ConfigurationError, InvalidInput


@contextmanager
def calendar_field(field: str) -> Iterator[None]:
    """A year the request names that the working-day calendar cannot compute is a 422 naming ``field``."""
    try:
        yield
    except ConfigurationError as exc:
        if "year" not in exc.details:
            raise
        raise InvalidInput(exc.message, details={**exc.details, "field": field}) from exc
