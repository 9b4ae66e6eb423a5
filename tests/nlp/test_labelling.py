"""The labelling queue (待标注): the least certain posts of each day, labelled in one click, learnt next time."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Login

# Posts the model is not sure about sit near its threshold; these are written to be borderline.
POSTS = [
    ("反映问题", "邻居家养的鸡每天早上叫，能不能管一管。"),
    ("求助", "村里有人家养了几头猪，夏天有点味道，不知道该找谁。"),
    ("投诉", "楼下有人在花坛边上放了几个鸽子笼，地上有些鸽子粪。"),
    ("咨询", "小区门口有人卖活鸡，不知道有没有问题。"),
]


def _analyse(posts: list[tuple[str, str]]) -> list[int]:
    from core.db import session_scope
    from core.service import store_post
    from nlp.service import analyze_post

    ids = []
    with session_scope() as session:
        for title, text in posts:
            post = store_post(session, url=None, title=title, content=text).post
            analyze_post(session, post_id=post.id)
            ids.append(post.id)
    return ids


def test_uncertain_posts_wait_for_a_label_and_a_label_becomes_a_correction(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    from core.db import session_scope
    from nlp.models import Feedback, Uncertain
    from nlp.service import feedback_examples, label_queue

    ids = _analyse(POSTS)
    with session_scope() as session:
        kept = {row.post_id: row for row in session.scalars(select(Uncertain))}
        assert kept, "none of the borderline posts was uncertain enough to queue"
        assert all(0.2 <= row.uncertainty <= 1.0 and row.post_id in ids for row in kept.values())
        queue = label_queue(session, per_day=2)
        assert len(queue) == min(2, len(kept))
        assert [item.candidate.uncertainty for item in queue] == sorted(
            (row.uncertainty for row in kept.values()), reverse=True
        )[: len(queue)]

    duty = login("duty")
    listed = client.get("/api/labelling", headers=duty)
    assert listed.status_code == 200 and listed.json()
    first = listed.json()[0]
    assert first["post_id"] in kept and 0 <= first["p_relevant"] <= 1 and first["text"]
    assert client.get("/api/labelling", headers=login("production-staff")).status_code == 403

    labelled = client.post(f"/api/labelling/{first['post_id']}", headers=duty, json={"category": "pollution"})
    assert labelled.status_code == 201 and labelled.json()["kind"] == "labelled"
    other = next(post_id for post_id in kept if post_id != first["post_id"]) if len(kept) > 1 else None
    if other is not None:
        assert client.post(f"/api/labelling/{other}", headers=duty, json={"category": "other"}).status_code == 201
    bad = client.post(f"/api/labelling/{first['post_id']}", headers=duty, json={"category": "weather"})
    assert bad.status_code == 422
    assert client.post("/api/labelling/999999", headers=duty, json={"category": "other"}).status_code == 404

    after = [item["post_id"] for item in client.get("/api/labelling", headers=duty).json()]
    assert first["post_id"] not in after and other not in after
    with session_scope() as session:
        examples = {e.title + e.text: e for e in feedback_examples(session)}
        stored = session.scalars(select(Feedback).where(Feedback.kind == "labelled")).all()
    assert len(stored) == (2 if other is not None else 1)
    by_post = {f.post_id: f for f in stored}
    assert by_post[first["post_id"]].category == "pollution" and by_post[first["post_id"]].needs_response
    if other is not None:
        assert by_post[other].category == "other" and not by_post[other].needs_response
    assert any(example.category == "pollution" for example in examples.values())


def test_the_queue_asks_a_few_posts_a_day(people: None, trained_model: str) -> None:
    from core.db import session_scope
    from nlp.models import Uncertain
    from nlp.service import label_queue

    ids = _analyse(POSTS)
    with session_scope() as session:
        rows = list(session.scalars(select(Uncertain)))
        # Spread the candidates over two days (Beijing time) as if analysed on different days.
        for index, row in enumerate(rows):
            row.created_at = datetime(2026, 12, 3 + index % 2, 2, 0, tzinfo=UTC)
        session.flush()
        queue = label_queue(session, now=datetime(2026, 12, 4, 12, 0, tzinfo=UTC), per_day=1)
        days = [item.day.isoformat() for item in queue]
        assert days == sorted(set(days), reverse=True) and len(days) <= 2
        assert all(item.post.id in ids for item in queue)
        assert label_queue(session, now=datetime(2026, 12, 20, 12, 0, tzinfo=UTC)) == []
