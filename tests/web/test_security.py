"""Sessions, sign-in throttling, CSRF, security headers and the role and section rules on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.factories import make_alert
from tests.web.helpers import csrf_of, sign_in


def test_the_session_cookie_is_http_only_and_same_site(client: TestClient, people: None) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "duty", "password": "correct horse battery", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "muqing_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert response.headers["location"] == "/console"


def test_another_person_signs_in_on_a_browser_with_an_open_session(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "leader", "password": "correct horse battery", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] != "/console"  # the leader's first page, not the duty officer's
    assert "leader" in client.get(response.headers["location"]).text


def test_secure_cookies_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.config import Settings
    from web import security

    assert not security.secure_cookies()
    settings = Settings(env="production", secret_key="7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c8e2b4d6f8a")
    monkeypatch.setattr(security, "get_settings", lambda: settings)
    assert security.secure_cookies()


def test_repeated_wrong_passwords_lock_the_name_for_a_while(client: TestClient, people: None) -> None:
    for _ in range(5):
        page = client.get("/login")
        response = client.post("/login", data={"username": "duty", "password": "guess", "csrf": csrf_of(page.text)})
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": "duty", "password": "correct horse battery", "csrf": csrf_of(page.text)}
    )
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    # Another user is not affected.
    sign_in(client, "leader")


def test_signing_out_ends_the_session_on_the_server(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    token = client.cookies.get("muqing_session")
    page = client.get("/console")
    assert page.status_code == 200
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    client.cookies.set("muqing_session", token or "")
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_an_idle_session_expires(client: TestClient, people: None) -> None:
    from core.db import session_scope
    from core.timeutil import utcnow
    from core.websessions import WebSession

    sign_in(client, "duty")
    with session_scope() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=3)))
    response = client.get("/console", follow_redirects=False)
    assert response.headers["location"].startswith("/login?expired=1")
    assert "登录已过期" in client.get(response.headers["location"]).text


def test_pages_carry_security_headers(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    response = client.get("/console")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    static = client.get("/static/app.js")
    assert "immutable" in static.headers["cache-control"]


def test_a_logout_without_the_token_is_refused(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    response = client.post("/logout", data={"csrf": "forged"})
    assert response.status_code == 400
    assert client.get("/console").status_code == 200


@pytest.mark.parametrize(
    ("username", "allowed", "refused"),
    [
        ("duty", ["/console", "/alerts", "/dashboard", "/reports", "/search"], ["/workbench", "/admin/users"]),
        ("leader", ["/dashboard", "/console", "/alerts", "/reports"], ["/workbench", "/admin/users"]),
        (
            "production-staff",
            ["/workbench", "/alerts", "/reports", "/search"],
            ["/console", "/dashboard", "/admin/users"],
        ),
        ("production-head", ["/workbench", "/alerts", "/reports"], ["/console", "/dashboard", "/admin/sla"]),
    ],
)
def test_each_role_reaches_only_its_pages(
    client: TestClient, people: None, username: str, allowed: list[str], refused: list[str]
) -> None:
    make_alert()
    sign_in(client, username)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in refused:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "无权访问此页面" in response.text


def test_a_section_user_sees_only_their_sections_cases(client: TestClient, people: None) -> None:
    ours = make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    theirs = make_alert(title="菜市场猪肉没有检疫章", category="product_safety")
    sign_in(client, "production-staff")
    listing = client.get("/alerts").text
    assert "双塘镇养鸡场鸡粪乱堆" in listing and "菜市场猪肉没有检疫章" not in listing
    assert client.get(f"/alerts/{ours}").status_code == 200
    page = client.get(f"/alerts/{theirs}")
    assert page.status_code == 404 and "菜市场猪肉" not in page.text
    # Nor by posting an action to it.
    response = client.post(f"/alerts/{theirs}/action", data={"action": "start", "csrf": csrf_of(listing)})
    assert response.status_code == 404
    report = client.get("/reports?kind=week").text
    assert "畜牧生产科舆情处置工作周报" in report and "菜市场猪肉" not in report
    assert "菜市场猪肉" not in client.get("/reports?kind=week&section=4").text


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_others_can_write_while_a_password_is_checked(
    client: TestClient, people: None, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hash takes ~0.1 s on purpose; SQLite has one writer, and a sign-in (or a guess) that held the write
    # lock through it stalled every crawl, analysis and case step of the whole system meanwhile.
    import sqlite3

    from sqlalchemy.engine import make_url

    from core import signin
    from tests.factories import PASSWORD

    path = make_url(db).database
    assert path
    checked = signin.password_matches
    lock: list[str] = []

    def watched(*, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            lock.append("free")
        except sqlite3.OperationalError as exc:
            lock.append(str(exc))
        finally:
            other.close()
        return checked(password=password, password_hash=password_hash)

    monkeypatch.setattr(signin, "password_matches", watched)
    assert client.post("/api/auth/token", data={"username": "duty", "password": PASSWORD}).status_code == 200
    assert client.post("/api/auth/token", data={"username": "duty", "password": "guess"}).status_code == 401
    assert client.post("/api/auth/token", data={"username": "nobody", "password": "guess"}).status_code == 401
    sign_in(client, "leader")
    assert lock == ["free"] * 4
    # Each attempt is still recorded, and the throttle still counts the failures.
    from sqlalchemy import func, select

    from core.db import session_scope
    from core.signin import LoginAttempt

    with session_scope() as session:
        attempts = session.execute(select(LoginAttempt.succeeded, func.count()).group_by(LoginAttempt.succeeded)).all()
    assert dict(attempts) == {True: 2, False: 2}
