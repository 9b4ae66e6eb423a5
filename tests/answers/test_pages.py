"""The answering pages as people use them: the response form's draft and checks, sign-off, 口径库, word lists."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from alerts.statements.schemas import DocumentIn, StatementIn
from alerts.statements.service import create_statement
from core.db import session_scope
from tests.answers.helpers import case, to_in_progress
from tests.factories import get_user, make_user
from tests.web.helpers import csrf_of, sign_in

FLAGGED = "经核查，养殖户张明（13812345678）按装了新的排污设施，我们将持续跟踪。"


def _add_statement(**overrides: object) -> int:
    data = {
        "category": "pollution",
        "topic": "养殖场粪污臭味扰民",
        "wording": "我中心已责令{地点}相关养殖场限期清运粪污，并将持续监管。",
        "keywords": ["粪污", "臭味"],
        "approved_by": "中心主任办公会",
        "valid_from": "2020-01-01",
        "documents": [DocumentIn(title="畜禽规模养殖污染防治条例", number="国务院令第643号")],
        **overrides,
    }
    with session_scope() as session:
        return create_statement(session, actor=get_user("production-head"), data=StatementIn.model_validate(data)).id


def test_staff_gets_a_draft_and_sees_findings_before_the_head_signs_off(client: TestClient, people: None) -> None:
    statement = _add_statement()
    _add_statement(topic="旧口径", wording="过期的说法。", valid_until="2021-01-01")
    alert_id = case("柳河镇前进村养猪场粪污臭味扰民", towns=("柳河镇",), villages=("前进村",))
    to_in_progress(alert_id)
    sign_in(client, "production-staff")
    page = client.get(f"/alerts/{alert_id}").text
    box = re.search(r'<textarea id="respond-content"[^>]*>([^<]*)</textarea>', page)
    assert box and "责令柳河镇前进村相关养殖场限期清运粪污" in box.group(1)
    assert f'name="draft_statement_id" id="draft-statement-id" value="{statement}"' in page
    assert "过期的说法" not in page and "相似案例" in page
    first = client.post(
        f"/alerts/{alert_id}/respond",
        data={
            "response": FLAGGED,
            "channel": "board_reply",
            "draft_statement_id": str(statement),
            "csrf": csrf_of(page),
        },
    )
    assert first.status_code == 422  # InvalidInput, as the API answers it
    assert "提交前检查发现" in first.text and 'name="confirm_checks"' in first.text
    assert '<mark class="finding secret"' in first.text and "「按装」应为「安装」" in first.text
    sent = client.post(
        f"/alerts/{alert_id}/respond",
        data={"response": FLAGGED, "confirm_checks": "1", "csrf": csrf_of(first.text)},
        follow_redirects=True,
    )
    assert sent.status_code == 200 and "待审核签发" in sent.text and "审核提示" in sent.text
    client.cookies.clear()
    sign_in(client, "production-head")
    head_page = client.get(f"/alerts/{alert_id}").text
    assert 'id="sign-off-note"' in head_page and "含个人姓名和电话号码" in head_page
    refused = client.post(
        f"/alerts/{alert_id}/action", data={"action": "sign_off", "note": "", "csrf": csrf_of(head_page)}
    )
    assert refused.status_code == 422 and "签发须填写理由" in refused.text
    signed = client.post(
        f"/alerts/{alert_id}/action",
        data={"action": "sign_off", "note": "电话为养殖场公开的投诉电话", "csrf": csrf_of(head_page)},
        follow_redirects=True,
    )
    assert signed.status_code == 200 and "签发理由：电话为养殖场公开的投诉电话" in signed.text


def test_the_statement_library_page(client: TestClient, people: None) -> None:
    _add_statement(topic="旧口径", wording="过期的说法。", valid_until="2021-01-01")
    sign_in(client, "production-head")
    page = client.get("/statements").text
    assert "已过期" in page and 'id="new-statement"' in page
    bad = client.post(
        "/statements",
        data={
            "category": "epidemic",
            "topic": "狂犬病免疫",
            "wording": "犬只每年应接种狂犬病疫苗。",
            "approved_by": "中心主任办公会",
            "valid_from": "2024-01-01",
            "documents": "动物防疫法 | 主席令第69号 | javascript:alert(1)",
            "csrf": csrf_of(page),
        },
    )
    assert bad.status_code == 422 and "政策文件第 1 行" in bad.text
    good = client.post(
        "/statements",
        data={
            "category": "epidemic",
            "topic": "狂犬病免疫",
            "wording": "犬只每年应接种狂犬病疫苗。",
            "keywords": "狂犬病、疫苗",
            "approved_by": "中心主任办公会",
            "valid_from": "2024-01-01",
            "documents": "中华人民共和国动物防疫法 | 主席令第69号 | https://example.gov.cn/law",
            "csrf": csrf_of(page),
        },
        follow_redirects=True,
    )
    assert good.status_code == 200 and "狂犬病免疫" in good.text and 'href="https://example.gov.cn/law"' in good.text
    client.cookies.clear()
    sign_in(client, "production-staff")
    read_only = client.get("/statements").text
    assert "狂犬病免疫" in read_only and 'id="new-statement"' not in read_only
    assert client.post("/statements", data={"category": "epidemic", "csrf": csrf_of(read_only)}).status_code == 403


def test_admin_keeps_the_word_lists_and_leaders_see_response_quality(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    page = client.get("/admin/check-terms").text
    assert "按装" in page and "系统默认" in page
    added = client.post(
        "/admin/check-terms",
        data={"list": "political", "term": "某项敏感表述", "csrf": csrf_of(page)},
        follow_redirects=True,
    )
    assert added.status_code == 200 and "某项敏感表述" in added.text
    no_fix = client.post("/admin/check-terms", data={"list": "misused", "term": "帐号", "csrf": csrf_of(page)})
    assert no_fix.status_code == 422 and "正确写法" in no_fix.text
    client.cookies.clear()
    sign_in(client, "leader")
    dashboard = client.get("/dashboard").text
    assert "回应质量" in dashboard and "口径采用率" in dashboard and "带提示签发占比" in dashboard


def test_a_draft_sent_back_as_shown_keeps_the_hotline_of_its_statement(client: TestClient, people: None) -> None:
    from html import unescape

    from alerts.cases.models import Response

    statement = _add_statement(wording="我中心已责令{地点}相关养殖场限期清运粪污，咨询电话0731-84512345。")
    alert_id = case("柳河镇前进村养猪场粪污臭味扰民", towns=("柳河镇",), villages=("前进村",))
    to_in_progress(alert_id)
    sign_in(client, "production-staff")
    page = client.get(f"/alerts/{alert_id}").text
    box = re.search(r'<textarea id="respond-content"[^>]*>([^<]*)</textarea>', page)
    assert box and "咨询电话0731-****2345" in box.group(1), "the form shows its draft masked, like every page"
    shown = unescape(box.group(1)).removeprefix("\n")
    sent = client.post(
        f"/alerts/{alert_id}/respond",
        data={
            "response": shown + "感谢监督。",
            "channel": "board_reply",
            "draft_statement_id": str(statement),
            "confirm_checks": "1",
            "csrf": csrf_of(page),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:800]
    with session_scope() as session:
        (content,) = session.scalars(Response.__table__.select().with_only_columns(Response.content))
    assert "咨询电话0731-84512345。" in content and content.endswith("感谢监督。") and "*" not in content
