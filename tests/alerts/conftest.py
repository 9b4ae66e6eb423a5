"""Fixtures for alert tests: a real local HTTP receiver for the notification channels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts.receivers import HttpReceiver, http_receiver


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """A local HTTP receiver that records every request (see ``HttpReceiver``)."""
    with http_receiver() as server:
        yield server
