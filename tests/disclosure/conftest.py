"""Fixtures for the register and the annual report: the office's people and a clock the test moves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.factories import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    """``2025-09-26 10:00`` as an aware Beijing time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def office(seeded: str) -> None:
    """Who keeps the register (the office's head and staff), who coordinates, leads and administers."""
    make_user("duty", "duty")
    make_user("leader", "leader")
    make_user("admin", "admin")
    make_user("office-head", "head", "office")
    make_user("office-staff", "staff", "office")
    make_user("production-staff", "staff", "production")


class Desk:
    """The API as one user sees it at a pinned moment (signing in again after the clock moves)."""

    def __init__(self, client: TestClient, login: Login, clock: time_machine.Traveller, username: str):
        self.client, self.login, self.clock, self.username = client, login, clock, username
        self.headers = login(username)

    def at(self, moment: str) -> Desk:
        """Move the clock to a Beijing time (tokens are short-lived, so sign in again)."""
        self.clock.move_to(local(moment))
        self.headers = self.login(self.username)
        return self

    def call(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """One request, its status checked; the JSON body (or the response for files)."""
        response = self.client.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.headers.get("content-type", "").startswith("application/json") else response


@pytest.fixture
def desk(client: TestClient, login: Login, office: None) -> Iterator[Callable[[str, str], Desk]]:
    """``desk("office-head", "2026-01-10 10:00")``: the API as that user at that Beijing time.

    Every desk shares one clock: asking for a desk, or moving one, moves the time for everybody.
    """
    traveller: time_machine.travel | None = None
    clock: time_machine.Traveller | None = None

    def make(username: str, moment: str) -> Desk:
        nonlocal traveller, clock
        if clock is None:
            traveller = time_machine.travel(local(moment), tick=True)
            clock = traveller.start()
        else:
            clock.move_to(local(moment))
        return Desk(client, login, clock, username)

    yield make
    if traveller is not None:
        traveller.stop()
