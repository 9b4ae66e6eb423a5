"""Hand-entered cases are classified: urgent words never leave them 一般, and the log says who chose what."""

from __future__ import annotations

import time_machine
from fastapi.testclient import TestClient

from alerts.cases.triage import Classified, apply_floor, floor_rule
from tests.conftest import Login

SWINE_FEVER = {
    "title": "村民来电：家里的猪死了十几头",
    "content": "来电人说自家猪场这两天死了十几头猪，担心是非洲猪瘟，请尽快派人来看看。",
    "channel": "电话",
}
NOON = "2025-11-12T12:00:00+08:00"


def test_a_call_about_dead_pigs_entered_with_the_defaults_goes_to_epidemic_control(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    with time_machine.travel(NOON, tick=False):
        proposal = client.post("/api/alerts/triage", headers=login("duty"), json=SWINE_FEVER)
        assert proposal.status_code == 200, proposal.text
        shown = proposal.json()
        assert shown["category"] == "epidemic" and shown["severity"] != "一般"
        assert shown["section"] == "动物疫病防控科" and any("非洲猪瘟" in r for r in shown["reasons"])
        created = client.post("/api/alerts", headers=login("duty"), json=SWINE_FEVER)
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["category"] == "epidemic" and case["severity"] in ("较大", "重大")
    assert case["section"]["name"] == "动物疫病防控科"
    triage = case["details"]["triage"]
    assert triage["chosen_by"] == {"category": "classifier", "severity": "classifier", "section_id": "classifier"}
    assert triage["officer"]["id"] and triage["proposed"]["severity"] == case["severity"]
    raise_event = next(e for e in case["events"] if e["action"] == "raise")
    assert raise_event["data"]["triage"]["proposed"]["category"] == "epidemic"


def test_the_officers_choice_wins_and_is_recorded_as_theirs(
    client: TestClient, login: Login, people: None, trained_model: str
) -> None:
    body = {**SWINE_FEVER, "category": "conduct", "severity": "一般"}
    with time_machine.travel(NOON, tick=False):
        case = client.post("/api/alerts", headers=login("duty"), json=body).json()
    assert case["category"] == "conduct" and case["severity"] == "一般" and case["section"]["name"] == "办公室"
    triage = case["details"]["triage"]
    assert triage["chosen_by"]["category"] == "officer" and triage["chosen_by"]["severity"] == "officer"
    assert set(triage["changed"]) == {"category", "severity"} and triage["proposed"]["category"] == "epidemic"


def test_bad_input_to_triage_is_a_422_naming_the_field(client: TestClient, login: Login, people: None) -> None:
    refused = client.post("/api/alerts/triage", headers=login("duty"), json={"kind": "visit", "title": "x"})
    assert refused.status_code == 422 and "kind" in refused.text
    assert client.post("/api/alerts/triage", headers=login("production-staff"), json=SWINE_FEVER).status_code == 403
    bad = client.post("/api/alerts", headers=login("duty"), json={**SWINE_FEVER, "category": "pigs"})
    assert bad.status_code == 422 and "category" in bad.text


def test_urgent_words_raise_a_proposal_to_the_floor_and_never_lower_it() -> None:
    floor = floor_rule().severity
    assert floor == "较大" and "非洲猪瘟" in floor_rule().terms
    assert apply_floor(text="村里大量死鸡，怀疑禽流感", severity="一般") == (floor, ["死鸡", "大量", "禽流感"])
    assert apply_floor(text="有疫情", severity="重大")[0] == "重大"
    assert apply_floor(text="咨询补贴什么时候发", severity="一般") == ("一般", [])


def test_a_proposal_from_plain_data(seeded: str) -> None:
    from alerts.cases.triage import propose
    from core.db import session_scope

    reading = Classified(category="conduct", severity="一般", reasons=[{"term": "态度"}], model_version="m1")
    with session_scope() as session:
        text = "兽医站人员态度差，还说有疫情"
        proposal = propose(session, title="来电", content=text, kind="complaint", classified=reading)
    assert proposal.severity == "较大" and proposal.urgent_terms == ["疫情"]
    assert proposal.section == "办公室" and proposal.reasons[0] == "「态度」"
