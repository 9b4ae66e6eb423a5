"""Pages rendered by script, read through the system Chromium from Scrapy (scrapy-playwright), with screenshots."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.crawlers.helpers import crawl, posts_by_url
from tests.crawlers.site_server import FIXTURES, SiteServer, serving
from tests.services import need

SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
LIST_PAGE = FIXTURES / "people_liuyan" / "threads" / "queryThreadsList" / "fid_9871" / "lastItem_0.json"
CONTENT = FIXTURES / "people_liuyan" / "threads" / "v1" / "content"


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with serving() as server:
        yield server


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> str:
    """The system Chromium for the crawl's child process (skips without it, fails under CI)."""
    from tests.conftest import reload_settings

    path = need("MUQING_TEST_CHROMIUM", "Chromium")
    monkeypatch.setenv("MUQING_CHROMIUM_PATH", path)
    reload_settings()
    return path


def _message(tid: int) -> str:
    data = json.loads((CONTENT / f"tid_{tid}.json").read_text(encoding="utf-8"))
    return str(next(item for item in data["resultData"]["contentList"] if item["dataType"] == 1)["content"])


@pytest.mark.browser
@SQLITE_ONLY
def test_cut_list_text_and_script_rendered_page_store_the_full_text(
    db: str, queued_jobs: None, site: SiteServer, chromium: str
) -> None:
    listed = {str(e["tid"]): e["content"] for e in json.loads(LIST_PAGE.read_text(encoding="utf-8"))["responseData"]}
    tid = "26104518"
    assert listed[tid].endswith("...") and len(listed[tid]) < len(_message(int(tid)))  # the list cuts the text
    outcome = crawl(
        {
            "name": "liuyan-rendered",
            "kind": "people_liuyan",
            "fid": 9871,
            "render": "browser",
            "max_pages": 1,
            "base_url": f"{site.base_url}/people_liuyan",
        }
    )
    assert outcome.status == "succeeded" and outcome.stored == 6, outcome
    posts = posts_by_url(site.base_url)
    post = posts[f"/people_liuyan/threads/content?tid={tid}"]
    assert post.content == _message(int(tid))
    assert not post.extra.get("truncated")
    roles = {snapshot.role: snapshot for snapshot in post.snapshots}
    page, shot = roles["page"], roles["screenshot"]
    # The stored page is the page as the browser rendered it, and beside it a PNG of what it showed.
    assert "replyContentMain" in _inflate(page.raw) and _message(int(tid))[:20] in _inflate(page.raw)
    assert shot.content_type == "image/png" and _inflate_bytes(shot.raw).startswith(b"\x89PNG\r\n\x1a\n")


def _inflate_bytes(raw: object) -> bytes:
    from core.posts import raw_body

    return raw_body(raw)  # type: ignore[arg-type]


def _inflate(raw: object) -> str:
    return _inflate_bytes(raw).decode("utf-8", "replace")
