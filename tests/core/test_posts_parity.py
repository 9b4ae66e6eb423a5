"""One post at a time (``store_post``) and a batch (``store_many``) follow the same rules: same outcomes, same rows.

The same posts go through both paths on an emptied database: repeats, a repeat under another URL of the same
site (alias), reposts at other URLs (near duplicates, also of a post created earlier in the same batch),
templated posts of one source that only look alike, a short text, an empty one, and a page marked deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import _wipe

if TYPE_CHECKING:
    from core.posts import PostIn

COMPLAINT = "杨湾村北边的养猪场每天傍晚往河沟里排粪水，整条沟都是黑的，下游的稻田也被污染了，请有关部门尽快查处。"
REPOST = "转发：杨湾村北边的养猪场每天傍晚往河沟里排粪水，整条沟都是黑的，下游的稻田也被污染了，请有关部门尽快查处！"
TEMPLATE = (
    "石桥镇大岭村的养鸡场鸡粪堆在路边，苍蝇成群，气味很大，村民多次反映没有结果，希望畜牧部门派人来看看。"
    "夏天一到味道更重，窗户都不敢开，晚上睡觉都被熏醒，孩子们也不敢在外面玩了，请尽快处理。"
)
MARKET = "城东农贸市场有摊主卖没有检疫章的猪肉，说是自家杀的，问了市场管理处也说管不了，这样的肉能卖吗？谁来管？"
OLD = (
    "柳河镇养牛场的牛粪直接堆在河边，下雨就冲进河里，附近几个村的井水都有味道了，去年反映过一次没有下文。"
    "村里老人孩子喝这个水，大家都很担心，请畜牧和环保部门尽快来查一查，给村民一个说法。"
)

# (outcome, index of the post the outcome names, in order of creation), per incoming post.
EXPECTED = [
    ("created", 1),  # a new complaint
    ("known", 1),  # the same page again, with new counts and the same bytes
    ("known", 1),  # the same post (same id on the source) under another URL: an alias, and a changed page
    ("linked", 1),  # a repost of it on another site
    ("known", 1),  # the repost's page again: the link names it now
    ("created", 2),  # a templated complaint on the board
    ("created", 3),  # the same text and title with another id on the board: another post
    ("created", 4),  # the same text on the board under another title: another post too
    ("linked", 2),  # the same text on another site: a repost of the first of the three
    ("created", 5),  # another matter
    ("invalid", None),  # neither title nor text
    ("known", 0),  # the page stored before, since deleted on the site, seen again
    ("linked", 0),  # a repost of the old post
    ("created", 6),  # a text too short for a signature
    ("known", 6),  # and that one again, by URL
]


def _page(text: str, url: str, role: str = "page") -> Any:
    from core.posts import EvidenceIn

    return EvidenceIn(body=f"<html>{text}</html>".encode(), url=url, status=200, role=role)


def _incoming(board: int, other: int) -> list[PostIn]:
    from core.posts import PostIn

    def post(url: str, title: str, text: str, **fields: Any) -> PostIn:
        page = fields.pop("page", text)
        return PostIn(url=url, title=title, content=text, evidence=_page(page, url), **fields)

    return [
        post("http://board.example/t/1.html", "养猪场排粪水", COMPLAINT, source_id=board, external_id="1"),
        post(
            "http://board.example/t/1.html?utm_source=list",
            "养猪场排粪水",
            COMPLAINT,
            source_id=board,
            external_id="1",
            engagement={"reads": 120, "reposts": 4},
        ),
        post(
            "http://m.board.example/t/1",
            "养猪场排粪水",
            COMPLAINT,
            source_id=board,
            external_id="1",
            page=COMPLAINT + "（手机版）",
            engagement={"reads": 150},
        ),
        post("http://other.example/a/9.html", "转：养猪场排粪水", REPOST, source_id=other, external_id="9"),
        post("http://other.example/a/9.html", "转：养猪场排粪水", REPOST, source_id=other, page=REPOST + "（更新）"),
        post("http://board.example/t/2.html", "养鸡场鸡粪", TEMPLATE, source_id=board, external_id="2"),
        post(
            "http://board.example/t/3.html",
            "养鸡场鸡粪",
            TEMPLATE.replace("。", "！"),
            source_id=board,
            external_id="3",
        ),
        post("http://board.example/t/list?p=2#8", "鸡粪扰民", TEMPLATE.replace("。", "？"), source_id=board),
        post("http://other.example/a/11.html", "网友：鸡粪堆在路边", TEMPLATE, source_id=other, external_id="11"),
        post("http://board.example/t/4.html", "猪肉没有检疫章", MARKET, source_id=board, external_id="4"),
        post("http://board.example/t/5.html", "  ", "  ", source_id=board, external_id="5"),
        post("http://board.example/t/0.html", "养牛场牛粪", OLD, source_id=board, external_id="0"),
        post("http://news.example/n/7", "网友反映养牛场牛粪入河", "转：" + OLD, author=" 记者 "),
        post("http://board.example/t/6.html", "求助", "狗被咬了", source_id=board, external_id="6"),
        post("http://board.example/t/6.html", "求助", "狗被咬了", source_id=board, external_id="6"),
    ]


def _sources(session: Session) -> tuple[int, int]:
    from core.service import ensure_source

    board = ensure_source(session, name="board", kind="list_detail", config={"url": "http://board.example/"})
    other = ensure_source(session, name="other", kind="article", config={"url": "http://other.example/"})
    session.flush()
    return board.id, other.id


def _one_by_one(session: Session, posts: list[PostIn]) -> list[tuple[str, int | None]]:
    from core.errors import InvalidInput
    from core.posts import store_post

    outcomes: list[tuple[str, int | None]] = []
    for post in posts:
        fields = {name: getattr(post, name) for name in post.__dataclass_fields__}
        try:
            stored = store_post(session, **fields)
        except InvalidInput:
            outcomes.append(("invalid", None))
            continue
        outcomes.append((stored.outcome, stored.post.id))
    return outcomes


def _batch(session: Session, posts: list[PostIn]) -> list[tuple[str, int | None]]:
    from core.posts import store_many

    return [(outcome, post_id) for outcome, post_id in store_many(session, posts=posts)]


def _state(session: Session, outcomes: list[tuple[str, int | None]]) -> dict[str, Any]:
    """Everything storing wrote, with post ids replaced by their order of creation."""
    from core.models import OutboxEvent, Post, PostLink, PostSignature, PostSnapshot, RawPage, SearchOutbox

    posts = session.scalars(select(Post).order_by(Post.id)).all()
    rank = {post.id: index for index, post in enumerate(posts)}
    return {
        "outcomes": [(outcome, rank.get(post_id) if post_id is not None else None) for outcome, post_id in outcomes],
        "posts": [
            (
                p.url,
                p.title,
                p.content,
                p.author,
                p.external_id,
                p.reads,
                p.reposts,
                p.simhash,
                p.deleted_at is not None,
            )
            for p in posts
        ],
        "links": [
            (rank[link.post_id], link.url, link.kind, link.external_id, link.title, link.distance)
            for link in session.scalars(select(PostLink).order_by(PostLink.id))
        ],
        "signatures": sorted((rank[s.post_id], s.band, s.value) for s in session.scalars(select(PostSignature))),
        "snapshots": [
            (rank[s.post_id], s.url, s.role, s.sha256)
            for s in session.scalars(select(PostSnapshot).order_by(PostSnapshot.id))
        ],
        "pages": sorted((page.sha256, page.size) for page in session.scalars(select(RawPage))),
        "analysis jobs": sorted(
            rank[event.payload["post_id"]]
            for event in session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "nlp.analyze_post"))
        ),
        "search changes": sorted({rank[row.post_id] for row in session.scalars(select(SearchOutbox))}),
    }


def _run(url: str, store: Callable[[Session, list[PostIn]], list[tuple[str, int | None]]]) -> dict[str, Any]:
    from core.db import session_scope
    from core.posts import mark_deleted, store_post

    _wipe(url)
    with session_scope() as session:
        board, other = _sources(session)
        old = store_post(
            session,
            url="http://board.example/t/0.html",
            title="养牛场牛粪",
            content=OLD,
            source_id=board,
            external_id="0",
            evidence=_page(OLD, "http://board.example/t/0.html"),
        )
        mark_deleted(session, post_id=old.post.id, noticed_at=datetime(2026, 12, 1, tzinfo=UTC), why="404")
    with session_scope() as session:
        outcomes = store(session, _incoming(board, other))
    with session_scope() as session:
        return _state(session, outcomes)


def test_one_by_one_and_in_a_batch_store_the_same(db: str, queued_jobs: None) -> None:
    one_by_one = _run(db, _one_by_one)
    batch = _run(db, _batch)
    assert one_by_one["outcomes"] == EXPECTED
    for part in one_by_one:
        assert batch[part] == one_by_one[part], part
    # What the rules say, seen in the rows: counts refreshed, one alias, three reposts, changed pages kept.
    first = one_by_one["posts"][1]
    assert (first[5], first[6]) == (150, 4)
    kinds = [(link[0], link[2]) for link in one_by_one["links"]]
    assert kinds == [(1, "alias"), (1, "near_duplicate"), (2, "near_duplicate"), (0, "near_duplicate")]
    roles = [(snapshot[0], snapshot[2]) for snapshot in one_by_one["snapshots"]]
    assert roles.count((1, "page")) == 3 and roles.count((1, "duplicate")) == 1 and roles.count((0, "duplicate")) == 1
    assert one_by_one["posts"][0][-1] is True  # the deleted page stays marked deleted
    assert one_by_one["analysis jobs"] == [0, 1, 2, 3, 4, 5, 6]
