"""The answering contracts through the API, for each role: checks, sign-off with findings, 口径库, similar cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from tests.answers.helpers import act, case, close_with, to_in_progress
from tests.factories import make_user

Login = Callable[[str], dict[str, str]]
FLAGGED = "经核查，养殖户张明（13812345678）按装了新的排污设施，我们将持续跟踪。"


@pytest.fixture
def office(people: None) -> None:
    make_user("admin", "admin")
    make_user("quality-head", "head", "quality")


def _statement(client: TestClient, auth: dict[str, str], **overrides: object) -> dict[str, Any]:
    body = {
        "category": "pollution",
        "topic": "养殖场粪污臭味扰民",
        "wording": "我中心已责令{地点}相关养殖场限期清运粪污、加强除臭，并将依据《畜禽规模养殖污染防治条例》持续监管。",
        "keywords": ["粪污", "臭味"],
        "approved_by": "中心主任办公会",
        "valid_from": "2020-01-01",
        "documents": [
            {"title": "畜禽规模养殖污染防治条例", "number": "国务院令第643号", "link": "https://example.gov.cn/643"}
        ],
        **overrides,
    }
    response = client.post("/api/statements", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_check_finds_a_phone_and_a_misused_word_where_they_are(client: TestClient, login: Login, office: None) -> None:
    alert_id = case("柳河镇前进村养猪场臭味扰民", towns=("柳河镇",), villages=("前进村",))
    staff = login("production-staff")
    response = client.post("/api/responses/check", json={"alert_id": alert_id, "content": FLAGGED}, headers=staff)
    assert response.status_code == 200, response.text
    findings = response.json()["findings"]
    assert {f["check"] for f in findings} <= {"保密", "法律", "政治", "文字"}
    for finding in findings:
        assert FLAGGED[finding["start"] : finding["end"]] == finding["text"]
        assert finding["message"]
    kinds = {(f["check"], f["kind"]): f["text"] for f in findings}
    assert kinds[("保密", "name_phone")] == "张明（13812345678"
    assert kinds[("文字", "misused_word")] == "按装"
    clean = client.post(
        "/api/responses/check",
        json={"alert_id": alert_id, "content": "经核查，柳河镇前进村养殖场已清运粪污，我中心将持续跟踪。"},
        headers=staff,
    )
    assert clean.json() == {"findings": []}
    # Another section cannot even learn that the case exists; bad input names its field.
    other = client.post(
        "/api/responses/check", json={"alert_id": alert_id, "content": FLAGGED}, headers=login("quality-staff")
    )
    assert other.status_code == 404
    missing = client.post("/api/responses/check", json={"alert_id": alert_id}, headers=staff)
    assert missing.status_code == 422 and "content" in missing.json()["message"]
    assert client.post("/api/responses/check", json={"alert_id": alert_id, "content": "x"}).status_code == 401


def test_a_village_the_admin_adds_is_a_wrong_place_in_another_town_s_answer(
    client: TestClient, login: Login, office: None
) -> None:
    admin, staff = login("admin"), login("production-staff")
    alert_id = case("柳河镇前进村养猪场臭味扰民", towns=("柳河镇",), villages=("前进村",))
    content = "经核查，云杉坪村养殖场已清运粪污。"

    def wrong_places() -> list[str]:
        response = client.post("/api/responses/check", json={"alert_id": alert_id, "content": content}, headers=staff)
        assert response.status_code == 200, response.text
        return [f["text"] for f in response.json()["findings"] if f["kind"] == "wrong_place"]

    assert wrong_places() == []
    towns = {t["name"]: t["id"] for t in client.get("/api/places", headers=admin).json()["items"]}
    added = client.post(
        "/api/places", json={"kind": "village", "name": "云杉坪村", "parent_id": towns["石桥镇"]}, headers=admin
    )
    assert added.status_code == 201, added.text
    # The wording check reads the places the admin keeps, as entity recognition and routing do.
    assert wrong_places() == ["云杉坪村"]


def test_a_flagged_response_waits_for_a_head_who_must_say_why(client: TestClient, login: Login, office: None) -> None:
    alert_id = case("柳河镇前进村养猪场粪水直排", towns=("柳河镇",), villages=("前进村",))
    to_in_progress(alert_id)
    staff, head = login("production-staff"), login("production-head")
    submitted = client.post(
        f"/api/alerts/{alert_id}/transitions",
        json={"action": "respond", "response": {"content": FLAGGED, "channel": "board_reply"}},
        headers=staff,
    )
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    (response,) = body["responses"]
    # 一般 cases need no sign-off, but a flagged response does.
    assert response["status"] == "pending_sign_off" and body["responded_at"] is None
    stored = {(f["check"], f["kind"]) for f in response["review"]["findings"]}
    assert {("保密", "name_phone"), ("文字", "misused_word")} <= stored
    refused = client.post(f"/api/alerts/{alert_id}/transitions", json={"action": "sign_off"}, headers=head)
    assert refused.status_code == 422
    assert refused.json()["details"]["field"] == "note"
    closing = client.post(f"/api/alerts/{alert_id}/transitions", json={"action": "close"}, headers=head)
    assert closing.status_code == 422 and closing.json()["details"]["field"] == "note"
    reason = "号码是养殖场对外公布的投诉电话，错字已口头提醒"
    signed = client.post(
        f"/api/alerts/{alert_id}/transitions", json={"action": "sign_off", "note": reason}, headers=head
    )
    assert signed.status_code == 200, signed.text
    detail = signed.json()
    (response,) = detail["responses"]
    assert response["status"] == "published" and detail["responded_at"] is not None
    assert response["review"]["override_note"] == reason
    assert response["review"]["overridden_by"] is not None
    event = [e for e in detail["events"] if e["action"] == "sign_off"][-1]
    assert event["note"] == reason and event["data"]["overridden"] is True and event["data"]["findings"] >= 2


def test_a_clean_response_is_published_as_before(client: TestClient, login: Login, office: None) -> None:
    alert_id = case("柳河镇新庄村养鸡场苍蝇多", towns=("柳河镇",), villages=("新庄村",))
    to_in_progress(alert_id)
    clean = "经核查，柳河镇新庄村养鸡场已清理鸡粪并完成消杀，我中心将持续跟踪。"
    body = client.post(
        f"/api/alerts/{alert_id}/transitions",
        json={"action": "respond", "response": {"content": clean}},
        headers=login("production-staff"),
    ).json()
    (response,) = body["responses"]
    assert response["status"] == "published" and response["review"]["findings"] == []


def test_statements_are_written_by_heads_and_admin_and_read_by_everyone(
    client: TestClient, login: Login, office: None
) -> None:
    staff, head, admin, leader = (login(u) for u in ("production-staff", "production-head", "admin", "leader"))
    assert client.post("/api/statements", json={}, headers=staff).status_code == 403
    assert client.post("/api/statements", json={}, headers=leader).status_code == 403
    created = _statement(client, head)
    assert created["expired"] is False and created["documents"][0]["number"] == "国务院令第643号"
    bad_link = client.post(
        "/api/statements",
        json={**created, "documents": [{"title": "某文件", "link": "javascript:alert(1)"}]},
        headers=admin,
    )
    assert bad_link.status_code == 422
    assert "documents/0/link" in bad_link.json()["message"]
    ftp = client.patch(
        f"/api/statements/{created['id']}",
        json={"documents": [{"title": "某文件", "link": "ftp://x.cn/a"}]},
        headers=admin,
    )
    assert ftp.status_code == 422 and "link" in ftp.json()["message"]
    backwards = client.patch(f"/api/statements/{created['id']}", json={"valid_until": "2019-01-01"}, headers=admin)
    assert backwards.status_code == 422 and backwards.json()["details"]["field"] == "valid_until"
    patched = client.patch(
        f"/api/statements/{created['id']}", json={"approved_by": "刘主任", "valid_until": "2021-12-31"}, headers=admin
    )
    assert patched.status_code == 200 and patched.json()["approved_by"] == "刘主任"
    assert patched.json()["expired"] is True
    listed = client.get("/api/statements", headers=staff).json()["items"]
    assert [(s["id"], s["expired"]) for s in listed] == [(created["id"], True)]
    assert client.get("/api/statements", params={"valid": "true"}, headers=staff).json()["items"] == []
    assert client.patch("/api/statements/999999", json={"topic": "x"}, headers=admin).status_code == 404


@time_machine.travel(datetime(2026, 6, 1, 2, 0, tzinfo=UTC), tick=False)
def test_drafts_use_the_best_statement_in_force_and_never_an_expired_one(
    client: TestClient, login: Login, office: None
) -> None:
    head = login("production-head")
    expired = _statement(client, head, topic="旧口径：粪污臭味", valid_until="2025-12-31", wording="旧的说法。")
    current = _statement(client, head)
    _statement(client, head, category="epidemic", topic="非洲猪瘟防控", keywords=["猪瘟"], wording="疫情口径。")
    alert_id = case("柳河镇前进村养猪场粪污臭味扰民", towns=("柳河镇",), villages=("前进村",))
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "assign")
    act(alert_id, "production-staff", "comment", note="已于当日到现场核查，责令养殖场清运粪污")
    drafts = client.get(f"/api/alerts/{alert_id}/drafts", headers=login("production-staff")).json()["items"]
    assert [d["statement_id"] for d in drafts] == [current["id"]]
    assert expired["id"] not in [d["statement_id"] for d in drafts]
    text = drafts[0]["text"]
    assert "柳河镇前进村" in text and "畜牧生产科" in text and "已于当日到现场核查" in text
    assert "责令柳河镇前进村相关养殖场限期清运粪污" in text  # the placeholder filled in
    checked = client.post(
        "/api/responses/check", json={"alert_id": alert_id, "content": text}, headers=login("production-staff")
    ).json()
    assert checked["findings"] == []  # the cited regulation is in the 口径库's document list


def test_responses_record_the_statement_they_used(client: TestClient, login: Login, office: None) -> None:
    current = _statement(client, login("production-head"))
    alert_id = case("柳河镇前进村养猪场粪污臭味", towns=("柳河镇",), villages=("前进村",))
    to_in_progress(alert_id)
    staff = login("production-staff")
    (draft,) = client.get(f"/api/alerts/{alert_id}/drafts", headers=staff).json()["items"]
    body = client.post(
        f"/api/alerts/{alert_id}/transitions",
        json={"action": "respond", "response": {"content": draft["text"], "draft_statement_id": current["id"]}},
        headers=staff,
    ).json()
    review = body["responses"][0]["review"]
    assert review["statement_id"] == current["id"] and review["draft"]["kept"] >= 0.9
    unknown = client.post(
        f"/api/alerts/{alert_id}/transitions",
        json={"action": "respond", "response": {"content": "另一条", "draft_statement_id": 999999}},
        headers=staff,
    )
    assert unknown.status_code in (409, 422)


def test_word_lists_are_admin_data(client: TestClient, login: Login, office: None) -> None:
    admin, head, staff = login("admin"), login("production-head"), login("production-staff")
    misused = client.get("/api/check-terms", params={"list": "misused"}, headers=head).json()["items"]
    assert any(t["term"] == "按装" and t["suggestion"] == "安装" and t["builtin"] for t in misused)
    assert client.get("/api/check-terms", headers=staff).status_code == 403
    assert (
        client.post("/api/check-terms", json={"list": "political", "term": "某敏感词"}, headers=head).status_code == 403
    )
    added = client.post("/api/check-terms", json={"list": "confidential", "term": "青禾专项"}, headers=admin)
    assert added.status_code == 201
    no_fix = client.post("/api/check-terms", json={"list": "misused", "term": "帐号"}, headers=admin)
    assert no_fix.status_code == 422 and no_fix.json()["details"]["field"] == "suggestion"
    alert_id = case("石桥镇东坡村养羊场粪污", towns=("石桥镇",), villages=("东坡村",))
    content = "青禾专项检查已按装到位。"
    found = client.post("/api/responses/check", json={"alert_id": alert_id, "content": content}, headers=staff).json()
    assert {(f["check"], f["kind"]) for f in found["findings"]} >= {
        ("保密", "confidential_term"),
        ("文字", "misused_word"),
    }
    builtin = next(t for t in misused if t["term"] == "按装")
    assert client.delete(f"/api/check-terms/{builtin['id']}", headers=admin).status_code == 409
    assert client.patch(f"/api/check-terms/{builtin['id']}", json={"enabled": False}, headers=admin).status_code == 200
    again = client.post("/api/responses/check", json={"alert_id": alert_id, "content": content}, headers=staff).json()
    assert ("文字", "misused_word") not in {(f["check"], f["kind"]) for f in again["findings"]}
    assert client.delete(f"/api/check-terms/{added.json()['id']}", headers=admin).status_code == 204


def test_similar_closed_cases_within_what_the_caller_may_see(client: TestClient, login: Login, office: None) -> None:
    from core.search.service import reindex

    earlier = case(
        "柳河镇前进村兴旺养猪场粪水直排河沟",
        towns=("柳河镇",),
        villages=("前进村",),
        farms=("兴旺养猪场",),
    )
    to_in_progress(earlier)
    close_with(earlier, "经核查，已责令兴旺养猪场清运粪污并修复防渗池，镇农业服务中心每周复查。")
    unrelated = case("白沙镇菜市场猪肉价格上涨", category="market", towns=("白沙镇",))
    to_in_progress(unrelated)
    close_with(unrelated, "已联系市场监管部门了解猪肉价格情况。")
    still_open = case(
        "柳河镇前进村兴旺养猪场又在排粪水", towns=("柳河镇",), villages=("前进村",), farms=("兴旺养猪场",)
    )
    now = case("前进村兴旺养猪场粪水流进河沟臭味很大", towns=("柳河镇",), villages=("前进村",), farms=("兴旺养猪场",))
    reindex()
    staff = login("production-staff")
    items = client.get(f"/api/alerts/{now}/similar", headers=staff).json()["items"]
    assert [item["alert_id"] for item in items] == [earlier]
    (item,) = items
    assert set(item) >= {"alert_id", "title", "response_excerpt", "closed_at", "satisfaction", "score"}
    assert item["satisfaction"] == "满意" and 0 < item["score"] <= 1
    assert item["response_excerpt"].startswith("经核查，已责令兴旺养猪场")
    assert still_open not in [i["alert_id"] for i in items] and unrelated not in [i["alert_id"] for i in items]
    # Duty sees every section's cases; another section sees neither this case nor its neighbours.
    assert [i["alert_id"] for i in client.get(f"/api/alerts/{now}/similar", headers=login("duty")).json()["items"]] == [
        earlier
    ]
    assert client.get(f"/api/alerts/{now}/similar", headers=login("quality-staff")).status_code == 404
    theirs = case(
        "前进村兴旺养猪场卖的猪肉没有检疫章",
        category="product_safety",
        towns=("柳河镇",),
        villages=("前进村",),
        farms=("兴旺养猪场",),
    )
    reindex()
    seen = client.get(f"/api/alerts/{theirs}/similar", headers=login("quality-staff")).json()["items"]
    assert earlier not in [i["alert_id"] for i in seen]
    assert earlier in [
        i["alert_id"] for i in client.get(f"/api/alerts/{theirs}/similar", headers=login("leader")).json()["items"]
    ]


def test_quality_figures_per_section(client: TestClient, login: Login, office: None) -> None:
    flagged = case("柳河镇前进村养猪场粪水", towns=("柳河镇",), villages=("前进村",))
    to_in_progress(flagged)
    staff, head = login("production-staff"), login("production-head")
    client.post(
        f"/api/alerts/{flagged}/transitions",
        json={"action": "respond", "response": {"content": FLAGGED}},
        headers=staff,
    )
    client.post(f"/api/alerts/{flagged}/transitions", json={"action": "sign_off", "note": "可以照发"}, headers=head)
    client.post(
        f"/api/alerts/{flagged}/transitions",
        json={"action": "follow_up", "satisfaction": "基本满意"},
        headers=login("duty"),
    )
    clean = case("柳河镇新庄村养鸡场苍蝇", towns=("柳河镇",), villages=("新庄村",))
    to_in_progress(clean)
    client.post(
        f"/api/alerts/{clean}/transitions",
        json={"action": "respond", "response": {"content": "经核查，柳河镇新庄村养鸡场已完成消杀。"}},
        headers=staff,
    )
    assert client.get("/api/responses/quality", headers=staff).status_code == 403
    body = client.get("/api/responses/quality", headers=login("leader")).json()
    (row,) = [r for r in body["sections"] if r["section"] == "畜牧生产科"]
    assert (row["responses"], row["flagged"], row["overridden"], row["statement_used"]) == (2, 1, 1, 0)
    assert row["overridden_rate"] == 0.5 and row["statement_rate"] == 0
    assert (row["follow_ups"], row["basically_satisfied"], row["satisfaction_rate"]) == (1, 1, 1.0)
    assert body["total"]["responses"] == 2
    bad = client.get(
        "/api/responses/quality", params={"start": "2026-02-01", "end": "2026-01-01"}, headers=login("leader")
    )
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "start"
