"""Phone layout: at 360 × 740 no page scrolls sideways, for any role, and every navigation tab is on screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Person, Server
from tests.walk import walk

NARROW = {"width": 360, "height": 740}
ROLES = ("admin", "duty", "leader", "production-head", "production-staff")


@pytest.fixture(scope="module")
def server(reading_server: Server) -> Server:
    """These tests only read pages, so they share the server of the other modules that only read."""
    return reading_server


# How far the page scrolls sideways, and the widest elements sticking out (to say what to fix).
OVERFLOW = """() => {
  const root = document.scrollingElement;
  const width = root.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5 && getComputedStyle(el).position !== 'fixed') {
      let inside = el.parentElement, clipped = false;
      while (inside && inside !== document.body) {
        const style = getComputedStyle(inside);
        if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) { clipped = true; break; }
        inside = inside.parentElement;
      }
      const classes = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      if (!clipped) wide.push(el.tagName.toLowerCase() + classes + ' → ' + Math.round(box.right));
    }
  }
  return {extra: root.scrollWidth - width, wide: wide.slice(0, 5)};
}"""

NAV_OFF_SCREEN = """() => Array.from(document.querySelectorAll('header nav a'))
  .filter(a => {
    const box = a.getBoundingClientRect();
    return box.width && (box.left < 0 || box.right > document.documentElement.clientWidth + 0.5);
  })
  .map(a => a.textContent.trim())"""


@pytest.mark.parametrize("username", ROLES)
def test_no_page_scrolls_sideways_on_a_narrow_phone(browser: Any, server: Server, username: str) -> None:
    person = Person(browser, server, username, phone=True).sign_in()
    page = person.page
    page.set_viewport_size(NARROW)
    problems: list[str] = []
    visited: list[str] = []

    def fetch(path: str) -> tuple[str, str] | None:
        response = page.goto(server.base + path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            return None
        page.wait_for_load_state("load")
        measured = page.evaluate(OVERFLOW)
        if measured["extra"] > 0:
            problems.append(f"{path}: {measured['extra']} px sideways ({'; '.join(measured['wide'])})")
        hidden = page.evaluate(NAV_OFF_SCREEN)
        if hidden:
            problems.append(f"{path}: navigation off screen: {hidden}")
        visited.append(path)
        return page.url.removeprefix(server.base), page.content()

    for _ in walk(fetch, ["/"], per_kind=1):
        pass
    person.close()
    assert len(visited) >= 5, visited
    assert not problems, f"{username} at 360 px:\n" + "\n".join(problems)
