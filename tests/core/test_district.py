"""Places and the lexicon as tables the admin edits: a place added is recognised and routed at once (no
retrain); lists import with their bad lines named; the 兰山区 profile comes from the official division codes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.factories import make_user


def test_a_farm_added_by_the_admin_places_posts_in_its_town_without_retraining(
    client: TestClient, login: Login, trained_model: str
) -> None:
    from alerts.routing.service import town_names
    from nlp.analyze import analyze

    text = "兴旺坡养殖场这几天死了好几头猪，病死猪就扔在路边，请畜牧部门来看看。"
    assert analyze(title="", text=text).entities["towns"] == []
    make_user("admin", "admin")
    headers = login("admin")
    towns = {t["name"]: t["id"] for t in client.get("/api/places", headers=headers).json()["items"]}
    added = client.post(
        "/api/places",
        json={"kind": "farm", "name": "兴旺坡养殖场", "parent_id": towns["柳河镇"], "aliases": ["兴旺坡猪场"]},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    entities = analyze(title="", text=text).entities
    assert entities["towns"] == ["柳河镇"] and "兴旺坡养殖场" in entities["places"]
    assert "兴旺坡猪场" in town_names()["柳河镇"]
    bad = client.post("/api/places", json={"kind": "village", "name": "新村"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "parent_id"
    imported = client.post(
        "/api/places/import",
        json={"kind": "landmark", "text": "青禾农贸市场,青禾街道\n东关屠宰点,不存在的镇\n青禾农贸市场,青禾街道"},
        headers=headers,
    ).json()
    missing_town = {"line": 2, "reason": "没有名为「不存在的镇」的乡镇街道"}
    assert imported == {"added": 1, "existing": 1, "errors": [missing_town]}
    log = client.get("/api/audit-log", params={"entity": "place"}, headers=headers).json()
    assert {entry["entity_name"] for entry in log["items"]} >= {"兴旺坡养殖场", "青禾农贸市场"}


def test_a_lexicon_term_added_lets_the_relevance_gate_keep_a_post(client: TestClient, login: Login) -> None:
    from crawlers.relevance import judge

    text = "村里有人在河边放牧鸬鹚，水都浑了。"
    assert judge(text, relevance="livestock") == "not_livestock"
    make_user("admin", "admin")
    headers = login("admin")
    report = client.post("/api/lexicon", json={"group": "husbandry", "terms": ["放牧鸬鹚", "养殖户"]}, headers=headers)
    assert report.json() == {"added": 1, "existing": 1, "errors": []}
    assert judge(text, relevance="livestock") is None
    terms = client.get("/api/lexicon", headers=headers).json()["husbandry"]
    term_id = next(t["id"] for t in terms if t["term"] == "放牧鸬鹚")
    assert client.delete(f"/api/lexicon/{term_id}", headers=headers).status_code == 204
    assert judge(text, relevance="livestock") == "not_livestock"


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_lanshan_profile_seeds_its_towns_and_disabled_public_channels(db: str) -> None:
    from sqlalchemy import select

    from core.db import session_scope
    from core.district.data import district
    from core.district.models import Place
    from core.district.seeding import seed_profile
    from core.models import Source
    from crawlers.profile import seed_profile_sources

    with session_scope() as session:
        counts = seed_profile(session, profile="lanshan")
        created = seed_profile_sources(session, profile="lanshan")
    assert counts["places"] > 300 and counts["lexicon"] > 100
    places = district()
    assert places.name == "兰山区" and "白沙埠镇" in [t.name for t in places.towns] and len(places.towns) == 11
    with session_scope() as session:
        assert session.scalar(select(Place.code).where(Place.name == "义堂镇")) == "371302105"
        sources = list(session.scalars(select(Source).where(Source.name.in_(created))))
    assert sources and not any(source.enabled for source in sources)
    assert {source.kind for source in sources} >= {"people_liuyan", "gov_mailbox", "article", "import"}


def test_the_relevance_gate_keeps_a_post_typed_in_traditional_characters(db: str) -> None:
    # The gate runs before the classifier: a post it drops is never analysed, whatever cleaning would make of it.
    from crawlers.relevance import judge, mentions_place

    simplified = "村东头的养猪场把粪水排进水库，喝的水都是臭的。"
    traditional = "村東頭的養豬場把糞水排進水庫，喝的水都是臭的。"
    assert judge(simplified, relevance="livestock") is None
    assert judge(traditional, relevance="livestock") is None
    assert judge("鎮上的紅綠燈壞了三天", relevance="livestock") == "not_livestock"
    # A place of the district typed in traditional characters (柳河鎮 for 柳河镇) is still that place.
    from core.district import data as district_data
    from core.traditional import simplified_table

    traditional_of = {chr(simple): chr(traditional) for traditional, simple in simplified_table().items()}
    name = next(n for n in district_data.district().names() if any(ch in traditional_of for ch in n))
    written = "".join(traditional_of.get(ch, ch) for ch in name)
    assert written != name and mentions_place(f"{written}有人反映")
