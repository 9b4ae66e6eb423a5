"""The pipeline suite, on both stacks with real worker and beat processes: ingest → analyse → alert → search.

Embedded: SQLite, the file-system queue, FTS5. Scale-out: PostgreSQL, Celery on Redis, Elasticsearch.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select

from core.db import session_scope
from core.models import Analysis, OutboxEvent, Post, SearchOutbox
from tests.scale.conftest import Running, reset
from tests.scale.processes import wait_until

# Our own texts: complaints that need an answer, and news that does not.
POSTS = (
    (
        "村旁养猪场粪污直排河沟，臭气熏天",
        "我们村东头的养猪场天天往河沟里排粪污，臭得没法开窗，反映多次没人管，请尽快处理。",
    ),
    ("镇上私宰点半夜杀猪，肉直接卖给饭店", "镇西头有人半夜私自屠宰生猪，不经检疫就把肉卖给饭店，请执法部门查处。"),
    (
        "邻村的鸡成批死亡，死鸡扔在沟里",
        "邻村养鸡场这几天鸡成批死亡，死鸡直接扔在路边沟里，担心是禽流感，请兽医站来看看。",
    ),
    ("区畜牧中心举办秋季养殖技术培训", "区畜牧中心昨天举办秋季养殖技术培训，两百多名养殖户参加。"),
    ("本周猪肉价格基本稳定", "据市场监测，本周猪肉零售价格与上周基本持平，供应充足。"),
)


def fresh(running: Running) -> None:
    """An empty database with the default sections, routing rules and SLA policies; an empty index."""
    from alerts.seed import seed_defaults

    reset(running.stack)
    with session_scope() as session:
        seed_defaults(session)


# Who wrote in: each stored copy of a text gets its own, so the store does not link it to an earlier copy
# as a repost (which is what it must do with the same text at another URL).
WRITERS = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎"
STREETS = "东南西北前后新老上下大小"


def _writer(tag: str, number: int) -> str:
    seed = sum(map(ord, tag)) * 31 + number * 7
    name = "".join(WRITERS[(seed * k + number) % len(WRITERS)] for k in (3, 5, 11, 13))
    street = "".join(STREETS[(seed + k * number) % len(STREETS)] for k in (1, 2))
    return f"来信人{name}，住{street}街{seed % 97 + 1}号，{tag}{number}：\n"


def store(posts: tuple[tuple[str, str], ...], tag: str) -> list[int]:
    """Store each post as a new one (a fresh URL and writer), in its own transaction as a crawl batch would."""
    from core.service import store_post

    ids = []
    for number, (title, content) in enumerate(posts):
        with session_scope() as session:
            stored = store_post(
                session,
                url=f"https://example.org/{tag}/{number}",
                title=title,
                content=_writer(tag, number) + content,
            )
            assert stored.created, f"{tag}/{number} was taken for a repost of post {stored.post.id}"
            ids.append(stored.post.id)
    return ids


def analysed(post_ids: list[int]) -> bool:
    with session_scope() as session:
        done = session.scalar(select(func.count(func.distinct(Analysis.post_id))).where(Analysis.post_id.in_(post_ids)))
    return done == len(post_ids)


def settled() -> bool:
    """Every job sent was completed and every change is in the search index."""
    from core.outbox import pending_count
    from core.search.service import pending_count as search_pending

    with session_scope() as session:
        return pending_count(session) == 0 and search_pending(session) == 0


def alert_links() -> dict[int, int]:
    """Post id → number of alerts it belongs to."""
    from alerts.cases.models import AlertPost

    with session_scope() as session:
        rows = session.execute(select(AlertPost.post_id, func.count()).group_by(AlertPost.post_id)).all()
    return {post_id: count for post_id, count in rows}


def test_posts_flow_through_real_workers_to_analyses_alerts_and_search(running: Running) -> None:
    from core.search.base import SearchQuery
    from core.search.service import search

    fresh(running)
    ids = store(POSTS, "flow")
    wait_until(lambda: analysed(ids), timeout=120, what="every post to be analysed by the worker")
    wait_until(settled, timeout=60, what="the outboxes to drain")
    with session_scope() as session:
        needing = set(
            session.scalars(select(Analysis.post_id).where(Analysis.post_id.in_(ids), Analysis.needs_response))
        )
        assert session.scalar(select(func.count()).select_from(Analysis)) == len(ids)  # one each, no repeats
    assert needing, "the complaints should need a response"
    links = alert_links()
    assert set(links) == needing and set(links.values()) == {1}
    page = search(query=SearchQuery(text="养猪场 粪污"))
    assert [hit.post_id for hit in page.hits] == [ids[0]]
    assert page.hits[0].alert_id is not None and page.hits[0].section is not None


def test_beat_sends_work_that_no_commit_sent(running: Running) -> None:
    """Rows written without the after-commit relay (as if the process died right after commit) still get done."""
    from core.search.base import SearchQuery
    from core.search.service import search

    fresh(running)
    with session_scope() as session:
        post_id = session.execute(
            insert(Post)
            .values(
                title="河边鸭棚污水横流",
                content="河边新建的鸭棚污水横流，周边井水发臭，请环保和畜牧部门查看。",
                extra={},
            )
            .returning(Post.id)
        ).scalar_one()
        session.execute(insert(OutboxEvent).values(topic="nlp.analyze_post", payload={"post_id": post_id}, attempts=0))
        session.execute(insert(SearchOutbox).values(post_id=post_id))
    wait_until(lambda: analysed([post_id]), timeout=60, what="beat's relay to send the analysis")
    wait_until(settled, timeout=60, what="the outboxes to drain")
    assert [hit.post_id for hit in search(query=SearchQuery(text="鸭棚")).hits] == [post_id]


def test_a_job_delivered_again_changes_nothing(running: Running) -> None:
    from alerts.cases.models import AlertEvent
    from core.outbox import add_event

    fresh(running)
    (post_id,) = store(POSTS[:1], "again")
    wait_until(lambda: analysed([post_id]) and settled(), timeout=120, what="the first delivery to finish")
    with session_scope() as session:
        for topic in ("nlp.analyze_post", "alerts.raise_alert", "nlp.analyze_post"):
            add_event(session, topic=topic, payload={"post_id": post_id})
    wait_until(settled, timeout=60, what="the repeated jobs to finish")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Analysis)) == 1
        raised = session.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.action == "raise"))
    assert alert_links() in ({}, {post_id: 1})
    assert raised == len(alert_links())
