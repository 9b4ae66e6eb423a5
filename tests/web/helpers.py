"""Signing in through the real login form, as a browser would (cookies, CSRF token), and acting on a case."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests.factories import PASSWORD


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def post_form(client: TestClient, path: str, data: dict[str, str | list[str]], *, page: str | None = None) -> object:
    """Submit a form on ``page`` (default: the same path) with its CSRF token."""
    html = client.get(page or path).text
    return client.post(path, data={**data, "csrf": csrf_of(html)}, follow_redirects=True)


def act(client: TestClient, alert_id: int, data: dict[str, str]) -> httpx.Response:
    """Post one action from the case page's form, as the signed-in user."""
    page = client.get(f"/alerts/{alert_id}")
    return client.post(f"/alerts/{alert_id}/action", data={**data, "csrf": csrf_of(page.text)}, follow_redirects=True)


def walk(alert_id: int, *steps: tuple[str, str]) -> None:
    """Move a case through the real flow as the named users."""
    from alerts.cases.flows import transition
    from alerts.cases.models import Alert
    from alerts.cases.schemas import ResponseInput
    from core.db import session_scope
    from core.models import User

    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        for action, username in steps:
            actor = session.query(User).filter_by(username=username).one()
            transition(
                session,
                alert=alert,
                actor=actor,
                action=action,
                section_id=alert.section_id if action == "assign" else None,
                response=ResponseInput(content="已责令整改。") if action == "respond" else None,
                note="测试",
            )


def action_forms(html: str) -> set[str]:
    """The actions the page offers as form buttons."""
    return set(re.findall(r'name="action" value="([a-z_]+)"', html))
