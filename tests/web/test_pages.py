"""The minimal pages: sign in with a cookie session, see your alerts, act on one (CSRF-checked)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, make_alert


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert "httponly" in response.headers["set-cookie"].lower()


def test_pages_need_a_session(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "登录" in client.get("/login").text


def test_duty_signs_for_an_alert_from_its_page(client: TestClient, people: None) -> None:
    alert_id = make_alert(title="双塘镇养鸡场鸡粪乱堆")
    sign_in(client, "duty")
    listing = client.get("/")
    assert "双塘镇养鸡场鸡粪乱堆" in listing.text and "畜牧生产科" in listing.text
    page = client.get(f"/alerts/{alert_id}")
    assert "签收" in page.text and "分派依据" in page.text
    response = client.post(
        f"/alerts/{alert_id}/action", data={"action": "acknowledge", "csrf": csrf_of(page.text)}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "已签收" in response.text


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, people: None) -> None:
    alert_id = make_alert()
    sign_in(client, "duty")
    response = client.post(f"/alerts/{alert_id}/action", data={"action": "acknowledge", "csrf": "forged"})
    assert response.status_code == 400
    assert "请求来源异常" in response.text
    assert "待签收" in client.get(f"/alerts/{alert_id}").text


def test_other_sections_alert_is_not_reachable_by_url(client: TestClient, people: None) -> None:
    alert_id = make_alert(category="pollution")
    sign_in(client, "quality-staff")
    response = client.get(f"/alerts/{alert_id}")
    assert response.status_code == 404
    assert "村旁养猪场" not in response.text


def test_search_finds_posts_with_highlights_and_their_alert(client: TestClient, people: None) -> None:
    alert_id = make_alert(title="双塘镇养鸡场鸡粪乱堆")
    make_alert(title="菜市场猪肉没有检疫章", category="product_safety")
    sign_in(client, "duty")
    page = client.get("/search", params={"q": "养鸡场 鸡粪"})
    assert page.status_code == 200
    assert "共找到 1 条帖子" in page.text
    assert "<mark>养鸡场</mark>" in page.text and f'href="/alerts/{alert_id}"' in page.text
    assert "菜市场" not in page.text
    escaped = client.get("/search", params={"q": "<script>"})
    assert "<script>" not in escaped.text.split("<main", 1)[1].split("</main>", 1)[0]
