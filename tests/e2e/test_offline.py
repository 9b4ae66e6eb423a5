"""Intranet-complete: the API docs and every main page work with no other host reachable, and ask none."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import SHOTS, Person, Server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(reading_server: Server) -> Server:
    """These tests only read pages, so they share the server of the other modules that only read."""
    return reading_server


def _offline(person: Person, server: Server) -> list[str]:
    """Cut the browser off from every host but ours; returns the list every outside request lands in.

    A request the content security policy refuses never reaches the route, but the browser still reports
    it as a request: both are counted, so a page that merely asks another host fails too.
    """
    ours = urlsplit(server.base).netloc
    outside: list[str] = []

    def elsewhere(url: str) -> bool:
        return urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != ours

    def route(route: Any) -> None:
        if elsewhere(route.request.url):
            route.abort()
        else:
            route.continue_()

    def asked(request: Any) -> None:
        if elsewhere(request.url) and request.url not in outside:
            outside.append(request.url)

    person.context.route("**/*", route)
    person.context.on("request", asked)
    return outside


METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _spec(server: Server) -> dict[str, Any]:
    spec: dict[str, Any] = httpx.get(server.base + "/api/openapi.json", timeout=30).json()
    return spec


def _spec_operations(spec: dict[str, Any]) -> tuple[set[tuple[str, str]], set[str]]:
    """Every (METHOD, path) of the OpenAPI document, and its tags."""
    operations = {
        (method.upper(), path) for path, item in spec["paths"].items() for method in item if method in METHODS
    }
    tags = {tag for item in spec["paths"].values() for m, op in item.items() if m in METHODS for tag in op["tags"]}
    return operations, tags


def _check_schemas(page: Any, spec: dict[str, Any]) -> None:
    """Every schema of the document is drawn in the Schemas section, once, under its title and its name."""
    schemas: dict[str, Any] = spec["components"]["schemas"]
    selector = "section.models article[data-json-schema-level='0']"
    _wait_for_count(page, selector, len(schemas))
    shown = page.eval_on_selector_all(
        selector,
        "items => items.map(i => [i.dataset.schemaName || '',"
        " i.querySelector('.json-schema-2020-12__title').textContent.trim()])",
    )
    expected = sorted(schema.get("title") or name for name, schema in schemas.items())
    assert sorted(title for _, title in shown) == expected, f"{len(shown)} of {len(schemas)} schemas drawn"
    assert sorted(name for name, _ in shown) == sorted(schemas)


def _wait_for_count(page: Any, selector: str, expected: int) -> int:
    """The count of ``selector`` once it reaches ``expected`` (or what it is after 30 s)."""
    for _ in range(60):
        if page.locator(selector).count() >= expected:
            break
        page.wait_for_timeout(500)
    return int(page.locator(selector).count())


def test_swagger_ui_and_redoc_work_offline(browser: Any, server: Server) -> None:
    spec = _spec(server)
    operations, tags = _spec_operations(spec)
    assert len(operations) > 100 and len(tags) > 15  # well past the size where Swagger UI windows its list
    assert len(spec["components"]["schemas"]) > 100  # and its Schemas section
    person = Person(browser, server, "duty")
    outside = _offline(person, server)
    page = person.page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    assert person.open("/api/docs").status == 200
    # Every operation is in the page, under its tag, every tag open, without scrolling: a reader can find
    # any of them with the browser's find-in-page.
    _wait_for_count(page, ".opblock", len(operations))
    listed = {
        (method.strip().upper(), path)
        for method, path in page.eval_on_selector_all(
            ".opblock",
            "blocks => blocks.map(b => [b.querySelector('.opblock-summary-method').textContent,"
            " b.querySelector('.opblock-summary-path').getAttribute('data-path')])",
        )
    }
    assert listed == operations, f"missing from Swagger UI: {sorted(operations - listed)[:10]}"
    assert page.locator(".opblock").count() == len(operations)
    open_tags = page.eval_on_selector_all(".opblock-tag", "t => t.map(h => [h.dataset.tag, h.dataset.isOpen])")
    assert {tag for tag, _ in open_tags} == tags and all(is_open == "true" for _, is_open in open_tags)
    assert page.locator(".swagger-ui .errors-wrapper").count() == 0
    _check_schemas(page, spec)
    assert problems == []  # nothing refused by the content security policy, no script error
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    assert person.open("/api/redoc").status == 200
    page.get_by_text("/api/posts/intake/url").first.wait_for(timeout=30000)
    in_redoc = _wait_for_count(page, "[data-section-id*='/operation/']", len(operations))
    assert in_redoc == len(operations)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / "api-redoc.png"))
    assert outside == []
    assert problems == []  # nothing refused by the content security policy either
    person.close()


@pytest.mark.parametrize("username", ["duty", "leader", "admin", "production-staff"])
def test_no_page_asks_another_host_for_anything(browser: Any, server: Server, username: str) -> None:
    person = Person(browser, server, username)
    outside = _offline(person, server)
    person.sign_in()
    page = person.page
    links = {
        href
        for href in page.eval_on_selector_all("nav a[href^='/']", "links => links.map(a => a.getAttribute('href'))")
        if href not in ("/logout",)
    }
    assert links
    for href in sorted(links):
        response = person.open(href)
        assert response is not None and response.status < 500, href
        page.wait_for_load_state("networkidle")
    assert outside == []
    person.close()
