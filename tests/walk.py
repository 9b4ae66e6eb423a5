"""Walking every page a user can reach: follow the links of each page from the start, once per kind of page.

Used by the web tests (a TestClient) and the browser tests (Chromium): ``walk`` takes a function that
fetches a path and answers (final path, HTML) or None for a page that is not HTML.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

LINK = re.compile(r'href="(/[^"#]*)"')
# Not pages: streams never end, files download, signing out ends the walk, the API answers JSON.
SKIP = re.compile(r"^/(static|api|logout)(/|$)|/stream$|/export\.|/raw$|/attachments/|\.(docx|xlsx|csv|json|png|svg)$")
PER_KIND = 2
LIMIT = 120

Fetch = Callable[[str], tuple[str, str] | None]


def kind(path: str) -> str:
    """The kind of page: the path with its ids (numbers, model versions) replaced."""
    return re.sub(r"/(\d[\w-]*)", "/{id}", urlsplit(path).path)


def links(page: str) -> list[str]:
    """Same-site links of a page, without fragments, in page order."""
    found = (html_lib.unescape(link) for link in LINK.findall(page))
    return [link for link in dict.fromkeys(found) if not SKIP.search(urlsplit(link).path)]


def walk(fetch: Fetch, start: list[str], *, limit: int = LIMIT, per_kind: int = PER_KIND) -> Iterator[tuple[str, str]]:
    """Every reachable page (up to ``per_kind`` of each kind): yields (path, HTML)."""
    queue = list(start)
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or kinds.get(kind(path), 0) >= per_kind:
            continue
        seen.add(path)
        kinds[kind(path)] = kinds.get(kind(path), 0) + 1
        answer = fetch(path)
        if answer is None:
            continue
        final, page = answer
        yield final, page
        queue.extend(link for link in links(page) if link not in seen)


def visible_text(page: str) -> str:
    """What a reader sees: the page without scripts, styles and markup."""
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return html_lib.unescape(page)
