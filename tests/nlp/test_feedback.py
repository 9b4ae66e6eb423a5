"""Staff corrections become labelled examples; retraining keeps its comparison and activates only a model not worse."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Login


def _post(title: str, text: str) -> int:
    from core.db import session_scope
    from core.service import store_post

    with session_scope() as session:
        return store_post(session, url=None, title=title, content=text).post.id


def test_corrections_are_recorded_and_listed(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    post_id = _post("双塘镇集市上有人卖没有检疫章的猪肉", "双塘镇逢集那天，有个摊位卖的猪肉没有检疫章，颜色发暗。")
    duty = login("duty")
    response = client.post(
        "/api/feedback",
        headers=duty,
        json={"kind": "wrong_category", "post_id": post_id, "category": "product_safety", "note": "应为畜产品安全"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["category"] == "product_safety" and body["needs_response"] is True
    assert body["title"].startswith("双塘镇")

    missed = client.post(
        "/api/feedback",
        headers=login("production-staff"),
        json={
            "kind": "missed",
            "title": "西沟村有人往河里扔死鸡",
            "text": "西沟村河边一堆死鸡，没人处理。",
            "category": "epidemic",
        },
    )
    assert missed.status_code == 201
    refused = client.post("/api/feedback", headers=duty, json={"kind": "missed", "text": "没有类别"})
    assert refused.status_code == 422 and "类别" in refused.json()["detail"]

    listed = client.get("/api/feedback", headers=duty).json()
    assert listed["total"] == 2 and listed["items"][0]["kind"] == "missed"
    assert client.get("/api/feedback", headers=login("production-staff")).status_code == 403


# Retraining does not depend on the database; it is measured once, on SQLite.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_retraining_includes_corrections_and_keeps_the_comparison(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    from core.db import session_scope
    from nlp.flows import retrain
    from nlp.registry import activate_version, active_version, is_heldout
    from nlp.service import feedback_examples
    from tests.factories import make_user

    make_user("admin", "admin")
    duty, admin = login("duty"), login("admin")
    post_id = _post("城西街道幸福里社区有人在楼顶养鸽子", "楼顶的鸽子粪落得到处都是，气味很大。")
    assert (
        client.post("/api/feedback", headers=duty, json={"kind": "not_relevant", "post_id": post_id}).status_code == 201
    )
    try:
        outcome = retrain()
        assert outcome["trained"] is True
        assert outcome["active"] == trained_model and outcome["candidate"] != trained_model
        assert outcome["candidate_figures"]["score"] > 0 and outcome["active_figures"]["score"] > 0
        assert outcome["activated"] == (active_version() == outcome["candidate"])
        assert retrain() == {"trained": False, "reason": "没有新的人工纠正"}

        versions = client.get("/api/models", headers=duty).json()
        candidate = next(v for v in versions if v["version"] == outcome["candidate"])
        # The one correction is trained on unless it fell in the held-out share, which evaluates instead.
        with session_scope() as session:
            trained_on = [e for e in feedback_examples(session) if not is_heldout(e)]
        assert len(trained_on) in (0, 1) and candidate["feedback_examples"] == len(trained_on)
        assert candidate["comparison"]["active"] == trained_model
        assert client.get("/api/models/comparisons", headers=duty).json()[0]["candidate"] == outcome["candidate"]

        assert client.post(f"/api/models/{trained_model}/activate", headers=duty).status_code == 403
        switched = client.post(f"/api/models/{trained_model}/activate", headers=admin)
        assert switched.status_code == 200 and switched.json()["active"] is True
        assert active_version() == trained_model
        assert client.post("/api/models/no-such/activate", headers=admin).status_code == 404
    finally:
        activate_version(trained_model)
