"""Never twice, incremental stop, evidence, deletions, the relevance gate and robots.txt, over real HTTP."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import snapshots
from tests.crawlers.helpers import crawl, posts_by_url
from tests.crawlers.site_server import SiteServer, serving

FARM = "柳河镇杨湾村北边的养猪场每天傍晚往河沟里排粪水，整条沟都是黑的，下游的稻田也被污染了，请有关部门尽快查处。"
POSTS = {
    1: ("杨湾村养猪场往河沟排粪水", FARM),
    2: ("学校门口的斑马线被挖了", "学府路第三小学门口的斑马线因为埋管道被挖掉了，早上孩子过马路很危险，希望尽快恢复。"),
    3: ("小区化粪池又满了", "楼下化粪池每年都要冒好几次，物业说化粪池属于公共设施要找社区，社区又说要找物业。"),
    4: ("菜场猪肉没有检疫章", "今天在石桥镇农贸市场买的猪肉没有检疫章，摊主说是自家杀的，这样的肉能卖吗？"),
    5: ("金牛广场晚上太吵", "金牛广场每天晚上七点到十点有好几支广场舞队伍同时放音乐，音箱开得特别大。"),
    6: ("村里有人收病死猪", "白沙镇有一伙人开着面包车到各村收购病死猪，每头只给几十元，不知道拉到哪里去了。"),
}


def _write_board(root: Path) -> None:
    board = root / "board"
    (board / "post").mkdir(parents=True)
    ids = sorted(POSTS, reverse=True)
    pages = [ids[:3], ids[3:]]
    for number, page in enumerate(pages, start=1):
        items = "".join(f'<li><a href="post/{i}.html?utm_source=list">{POSTS[i][0]}</a></li>' for i in page)
        pager = f'<a class="next" href="list_{number + 1}.html">下一页</a>' if number < len(pages) else ""
        (board / f"list_{number}.html").write_text(
            f'<html><head><meta charset="utf-8"></head><body><ul class="posts">{items}</ul>{pager}</body></html>',
            encoding="utf-8",
        )
    for i, (title, text) in POSTS.items():
        (board / "post" / f"{i}.html").write_text(
            f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
            f'<span class="time">2026-03-1{i} 08:0{i}</span><div class="content"><p>{text}</p></div></body></html>',
            encoding="utf-8",
        )
    # Another site reposts post 1 (same text, its own title and page).
    (root / "other").mkdir()
    (root / "other" / "list.html").write_text(
        '<html><body><ul class="posts"><li><a href="a/88.html">转：养猪场排污</a></li></ul></body></html>',
        encoding="utf-8",
    )
    (root / "other" / "a").mkdir()
    (root / "other" / "a" / "88.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><h1>网友转帖：杨湾村养猪场往河沟排粪水</h1>'
        f'<span class="time">2026-03-12 10:00</span><div class="content"><p>{FARM}</p></div></body></html>',
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    root = tmp_path_factory.mktemp("board")
    _write_board(root)
    with serving(root) as server:
        yield server


def _spec(base: str, name: str = "board", start: str = "/board/list_1.html", **changes: object) -> dict[str, object]:
    return {
        "name": name,
        "kind": "list_detail",
        "start_urls": [f"{base}{start}"],
        "list": {"item": "ul.posts li", "link": "a::attr(href)", "next_page": "a.next::attr(href)"},
        "detail": {"title": "h1", "content": "div.content", "published_at": "span.time"},
        **changes,
    }


_FIRST_CRAWL: dict[str, snapshots.Snapshot] = {}


@pytest.fixture
def crawled(db: str, queued_jobs: None, board: SiteServer) -> str:
    """The board after its first crawl (six posts stored).

    The first test on each backend crawls it (a process of its own); later ones get the same rows back.
    """
    snapshot = _FIRST_CRAWL.get(db)
    if snapshot is not None:
        snapshots.restore(db, snapshot)
        return db
    first = crawl(_spec(board.base_url))
    assert first.status == "succeeded" and first.stored == 6, first
    _FIRST_CRAWL[db] = snapshots.take(db)
    return db


def test_never_twice_incremental_stop_and_evidence(crawled: str, board: SiteServer) -> None:
    base = board.base_url
    posts = posts_by_url(base)
    # Tracking parameters are stripped: one canonical URL per post.
    assert "/board/post/1.html" in posts and not any("utm_source" in url for url in posts)
    # Evidence: the raw page as served, compressed, with its SHA-256 and fetch time.
    snapshot = posts["/board/post/1.html"].snapshots[0]
    served = (Path(board.root) / "board" / "post" / "1.html").read_bytes()
    assert snapshot.sha256 == hashlib.sha256(served).hexdigest()
    assert zlib.decompress(snapshot.raw.body) == served and snapshot.raw.size == len(served)
    assert snapshot.fetched_at is not None and snapshot.role == "page" and snapshot.status == 200

    board.requests.clear()
    second = crawl(_spec(base))
    assert second.status == "succeeded" and second.stored == 0
    # Incremental: page 1 shows only known posts, so page 2 is not fetched.
    assert not any("list_2" in path for path in board.requests)
    from core.db import session_scope
    from core.models import CrawlRun, Post

    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 6
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run is not None and run.stats["incremental_stop"] == 1

    # The same post reposted on another site is linked to the stored one, not collected again.
    other = crawl(_spec(base, name="other", start="/other/list.html"))
    assert other.stored == 0 and other.duplicates == 1
    posts = posts_by_url(base)
    assert len(posts) == 6
    links = posts["/board/post/1.html"].links
    assert [(link.kind, link.url) for link in links] == [("near_duplicate", f"{base}/other/a/88.html")]


def test_a_post_gone_on_recrawl_is_marked_deleted(crawled: str, board: SiteServer) -> None:
    base = board.base_url
    assert len(posts_by_url(base)) == 6
    board.override("/board/post/2.html", 404, b"<html><body>404</body></html>")
    board.override("/board/post/3.html", 200, "<html><body><p>抱歉，该帖已被删除</p></body></html>".encode())
    try:
        outcome = crawl(_spec(base))
    finally:
        board.overrides.clear()
    assert outcome.status == "succeeded"
    posts = posts_by_url(base)
    assert posts["/board/post/2.html"].deleted_at is not None
    assert posts["/board/post/3.html"].deleted_at is not None
    assert posts["/board/post/1.html"].deleted_at is None
    assert posts["/board/post/3.html"].title == "小区化粪池又满了"  # kept, with its evidence


def test_relevance_gate_drops_by_reason_and_all_keeps_everything(queued_jobs: None, board: SiteServer) -> None:
    base = board.base_url
    gated = crawl(_spec(base, name="gated", relevance="livestock"))
    assert gated.stored == 3  # farm sewage, meat without stamp, dead pigs
    assert gated.drops == {"not_livestock": 3}  # zebra crossing, septic tank (a trap word), square noise
    everything = crawl(_spec(base, name="everything", relevance="all", stop_at_known=False))
    assert everything.drops == {} and everything.stored + everything.duplicates == 6


# robots.txt is read before any page is fetched or stored: SQLite only.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_robots_txt_is_obeyed(db: str, queued_jobs: None, board: SiteServer) -> None:
    board.robots = "User-agent: *\nDisallow: /board/post/4.html\n"
    try:
        outcome = crawl(_spec(board.base_url, name="polite"))
    finally:
        board.robots = None
    assert outcome.errors == {"robots_forbidden": 1}
    assert "/board/post/4.html" not in posts_by_url(board.base_url)
