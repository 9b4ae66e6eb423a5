"""GET /api/search on both stacks: the JSON shape the search page is built on, filters, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.scale.conftest import Stack
from tests.scale.corpus import EXAMPLES, Loaded

HIT_FIELDS = {
    "post_id",
    "title",
    "title_html",
    "snippet_html",
    "url",
    "author",
    "source",
    "time",
    "category",
    "category_label",
    "severity",
    "sentiment",
    "sentiment_label",
    "section",
    "section_name",
    "alert_id",
    "score",
}


@pytest.fixture(scope="module")
def api(corpus: tuple[Stack, Loaded]) -> Iterator[tuple[TestClient, dict[str, str], Loaded]]:
    from cli.asgi import create_app
    from tests.factories import PASSWORD, make_user

    _, loaded = corpus
    make_user("production-staff", "staff", "production")
    with TestClient(create_app()) as client:
        response = client.post("/api/auth/token", data={"username": "production-staff", "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield client, {"Authorization": f"Bearer {response.json()['access_token']}"}, loaded


def test_search_answers_with_highlighted_hits_labels_and_aggregations(
    api: tuple[TestClient, dict[str, str], Loaded], corpus: tuple[Stack, Loaded]
) -> None:
    client, auth, loaded = api
    stack, _ = corpus
    response = client.get("/api/search", params={"q": "养猪场 臭味", "aggs": "true"}, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"] == "养猪场 臭味"
    assert body["tokens"] == ["养猪场", "臭味"]
    assert (body["total"], body["page"], body["size"], body["sort"]) == (1, 1, 20, "relevance")
    assert body["backend"] == ("fts5" if stack.name == "embedded" else "elasticsearch")
    (hit,) = body["hits"]
    assert set(hit) == HIT_FIELDS
    assert hit["post_id"] == loaded.ids["odour"]
    assert hit["title_html"] == "<mark>养猪场</mark><mark>臭味</mark>扰民"
    assert "<mark>臭味</mark>" in hit["snippet_html"]
    assert hit["time"] == "2025-10-02T01:30:00+08:00"
    assert (hit["category"], hit["category_label"]) == ("pollution", "养殖污染")
    assert (hit["sentiment"], hit["sentiment_label"]) == ("negative", "负面")
    assert hit["source"] == "mailbox"
    assert hit["section"] == loaded.section["odour"] and hit["section_name"]
    assert hit["alert_id"] == loaded.alert["odour"]
    aggregations = body["aggregations"]
    assert set(aggregations) == {"by_day", "by_category", "by_source", "by_sentiment"}
    assert aggregations["by_source"] == [{"key": "mailbox", "label": "区长信箱", "count": 1}]
    assert aggregations["by_day"] == [{"key": "2025-10-02", "label": "2025-10-02", "count": 1}]


def test_filters_accept_repeated_or_comma_separated_values_and_whole_days(
    api: tuple[TestClient, dict[str, str], Loaded],
) -> None:
    client, auth, loaded = api
    by_comma = client.get("/api/search", params={"category": "market,slaughter", "sort": "time"}, headers=auth).json()
    by_repeat = client.get(
        "/api/search", params=[("category", "market"), ("category", "slaughter"), ("sort", "time")], headers=auth
    ).json()
    assert [hit["post_id"] for hit in by_comma["hits"]] == [hit["post_id"] for hit in by_repeat["hits"]]
    assert loaded.keys([hit["post_id"] for hit in by_comma["hits"]]) == ["slaughter", "pork-price"]
    # Dates are local (Asia/Shanghai) days, both ends included.
    days = client.get("/api/search", params={"start": "2025-10-02", "end": "2025-10-02"}, headers=auth).json()
    assert set(loaded.keys([hit["post_id"] for hit in days["hits"]])) == {"odour", "vaccination"}
    dashboard = client.get("/api/search", params={"size": 0, "aggs": 1}, headers=auth).json()
    assert dashboard["hits"] == [] and dashboard["total"] == len(EXAMPLES)
    assert sum(bucket["count"] for bucket in dashboard["aggregations"]["by_category"]) == len(EXAMPLES)


def test_bad_requests_are_refused_with_the_field_named(api: tuple[TestClient, dict[str, str], Loaded]) -> None:
    client, auth, _ = api
    assert client.get("/api/search", params={"q": "养猪场"}).status_code == 401
    response = client.get("/api/search", params={"start": "十月一日"}, headers=auth)
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "start"
    response = client.get("/api/search", params={"page": 600, "size": 20}, headers=auth)
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "page"
    assert client.get("/api/search", params={"sort": "random"}, headers=auth).status_code == 422
