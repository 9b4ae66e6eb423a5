"""Signing in through the real login form, as a browser would (cookies, CSRF token)."""

from __future__ import annotations

import re

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
