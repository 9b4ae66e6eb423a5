"""The case workflow in the browser pages: the alert page with evidence, responses with attachments, sign-off,
extensions and follow-up, and the section rules on every action (the duty console: test_duty_pages.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.factories import get_alert, get_user, make_alert, make_post
from tests.web.helpers import act, action_forms, csrf_of, sign_in, walk

# These tests are about pages, not storage: SQLite is enough (the flows run on both backends in tests/alerts).
pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_alert_page_shows_evidence_deletion_engagement_and_routing(client: TestClient, people: None) -> None:
    from alerts.cases.flows import raise_alert
    from core.db import session_scope
    from core.models import Post
    from core.posts import EvidenceIn, keep_evidence
    from core.timeutil import utcnow

    post_id = make_post(title="柳河镇养猪场粪水直排", url="https://bbs.example.cn/t/1")
    with session_scope() as session:
        post = session.get(Post, post_id)
        assert post is not None
        post.reads, post.reposts = 1520, 36
        post.deleted_at = utcnow() - timedelta(hours=1)
        keep_evidence(
            session,
            post=post,
            evidence=EvidenceIn(body="<html>柳河镇养猪场<script>x()</script></html>".encode(), url=post.url),
        )
        alert = raise_alert(session, post_id=post_id)
        assert alert is not None
        alert_id = alert.id
    sign_in(client, "duty")
    page = client.get(f"/alerts/{alert_id}").text
    assert "原帖已删除" in page and "复查时发现原帖已删除" in page
    assert "阅读 1520" in page and "转发 36" in page
    assert "分派依据" in page and "畜牧生产科" in page
    evidence = re.search(r'href="(/posts/\d+/evidence/\d+)"', page)
    assert evidence
    shown = client.get(evidence.group(1))
    assert shown.status_code == 200
    assert "内容与保存时一致" in shown.text and "&lt;script&gt;x()" in shown.text and "<script>x()" not in shown.text
    raw = client.get(evidence.group(1) + "/raw")
    assert raw.headers["content-disposition"].startswith("attachment") and "柳河镇".encode() in raw.content


def test_buttons_follow_the_lifecycle_table_for_each_role(client: TestClient, people: None) -> None:
    from alerts.cases.lifecycle import allowed_actions

    alert_id = make_alert()
    sign_in(client, "duty")
    offered = action_forms(client.get(f"/alerts/{alert_id}").text)
    assert offered == set(allowed_actions(status="new", role="duty"))
    client.cookies.clear()
    sign_in(client, "production-staff")
    assert action_forms(client.get(f"/alerts/{alert_id}").text) == set(allowed_actions(status="new", role="staff"))


def test_staff_responds_with_a_file_and_the_head_signs_it_off(client: TestClient, people: None) -> None:
    alert_id = make_alert(title="龙泉镇私宰生猪", category="slaughter", severity="较大")
    walk(alert_id, ("acknowledge", "duty"), ("assign", "duty"))
    assert get_alert(alert_id).section_id is not None
    from tests.factories import make_user

    make_user("quality-head", "head", "quality")
    walk(alert_id, ("start", "quality-staff"))
    sign_in(client, "quality-staff")
    page = client.get(f"/alerts/{alert_id}")
    assert 'enctype="multipart/form-data"' in page.text and "可上传：" in page.text
    token = csrf_of(page.text)
    fields = {"response": "经核查，已联合执法查处。", "channel": "board_reply", "contact": "已电话告知", "csrf": token}

    exe = ("回复.exe", b"MZ\x90\x00", "application/x-msdos")
    bad = client.post(f"/alerts/{alert_id}/respond", data=fields, files=[("files", exe)])
    assert bad.status_code == 422
    assert "附件「回复.exe」：不支持的文件类型「.exe」" in bad.text
    assert "请重新选择附件" in bad.text
    assert "经核查，已联合执法查处。" in bad.text, "what was typed stays in the form"
    fake = client.post(
        f"/alerts/{alert_id}/respond", data=fields, files=[("files", ("回复.pdf", b"not a pdf", "application/pdf"))]
    )
    assert fake.status_code == 422 and "文件内容与扩展名「.pdf」不符" in fake.text
    assert get_alert(alert_id).status == "in_progress"

    ok = client.post(
        f"/alerts/{alert_id}/respond",
        data=fields,
        files=[("files", ("回复函.pdf", PDF, "application/pdf"))],
        follow_redirects=True,
    )
    assert ok.status_code == 200 and "已回应" in ok.text
    assert "待审核签发" in ok.text and "回复函.pdf" in ok.text and "已电话告知" in ok.text
    link = re.search(r'href="(/alerts/\d+/attachments/\d+)"', ok.text)
    assert link
    download = client.get(link.group(1))
    assert download.content == PDF and "attachment" in download.headers["content-disposition"]
    assert "sign_off" not in action_forms(ok.text)

    # Another section sees none of it, by URL or by form post.
    client.cookies.clear()
    sign_in(client, "production-staff")
    assert client.get(link.group(1)).status_code == 404
    own = client.get("/workbench")
    forged = client.post(
        f"/alerts/{alert_id}/respond", data={**fields, "csrf": csrf_of(own.text)}, files=[("files", ("a.pdf", PDF))]
    )
    assert forged.status_code == 404 and "经核查" not in forged.text

    client.cookies.clear()
    sign_in(client, "quality-head")
    queue = client.get("/workbench")
    assert "回应待审核" in queue.text and "审核签发" in queue.text
    page = client.get(f"/alerts/{alert_id}")
    assert "sign_off" in action_forms(page.text)
    signed = act(client, alert_id, {"action": "sign_off"})
    assert "已审核签发" in signed.text
    assert get_alert(alert_id).responded_at is not None


def test_extension_requested_by_staff_and_approved_by_the_head(client: TestClient, people: None) -> None:
    alert_id = make_alert()
    walk(alert_id, ("acknowledge", "duty"), ("assign", "duty"), ("start", "production-staff"))
    before = get_alert(alert_id).close_due
    sign_in(client, "production-staff")
    asked = act(
        client,
        alert_id,
        {
            "action": "request_extension",
            "note": "需等待检测结果",
            "extension_deadline": "close",
            "extension_amount": "3",
            "extension_unit": "working_days",
        },
    )
    text = asked.text
    assert "已申请延期" in text and "待审批" in text and "办结时限延长 3个工作日" in text
    assert "request_extension" not in action_forms(text), "one request at a time"
    client.cookies.clear()
    sign_in(client, "production-head")
    assert "延期待审批" in client.get("/workbench").text
    approved = act(client, alert_id, {"action": "approve_extension"})
    assert "已批准延期" in approved.text and "办结时限延至" in approved.text
    after = get_alert(alert_id).close_due
    assert before is not None and after is not None and after > before


def test_follow_up_unhappy_reopens_and_shows_on_the_page(client: TestClient, people: None) -> None:
    alert_id = make_alert()
    walk(
        alert_id,
        ("acknowledge", "duty"),
        ("assign", "duty"),
        ("start", "production-staff"),
        ("respond", "production-staff"),
        ("close", "production-head"),
    )
    sign_in(client, "duty")
    page = act(
        client, alert_id, {"action": "follow_up", "satisfaction": "不满意", "method": "phone", "note": "仍有臭味"}
    )
    text = page.text
    assert "回访记录" in text and "发回重办" in text and "仍有臭味" in text
    assert get_alert(alert_id).status == "in_progress"


def test_a_section_user_cannot_act_on_another_sections_case(client: TestClient, people: None) -> None:
    alert_id = make_alert()
    walk(alert_id, ("acknowledge", "duty"), ("assign", "duty"))
    sign_in(client, "quality-staff")
    token = csrf_of(client.get("/workbench").text)
    for action in ("start", "comment", "send_back"):
        response = client.post(f"/alerts/{alert_id}/action", data={"action": action, "note": "x", "csrf": token})
        assert response.status_code == 404 and "不存在或无权查看" in response.text
    assert get_alert(alert_id).status == "assigned"


def test_a_co_handling_section_may_only_log_progress(client: TestClient, people: None) -> None:
    alert_id = make_alert()
    sign_in(client, "duty")
    page = client.get(f"/alerts/{alert_id}")
    client.post(f"/alerts/{alert_id}/action", data={"action": "acknowledge", "csrf": csrf_of(page.text)})
    quality = get_user("quality-staff").section_id
    production = get_alert(alert_id).section_id
    assigned = act(
        client,
        alert_id,
        {"action": "assign", "section_id": str(production), "co_section_ids": str(quality)},
    )
    assert "协办：畜产品质量安全科" in assigned.text and "至畜牧生产科，协办：畜产品质量安全科" in assigned.text
    client.cookies.clear()
    sign_in(client, "quality-staff")
    page = client.get(f"/alerts/{alert_id}")
    assert page.status_code == 200 and action_forms(page.text) == {"comment"}
    logged = act(client, alert_id, {"action": "comment", "note": "已协助抽检，结果合格"})
    assert "已记录进展" in logged.text and "已协助抽检，结果合格" in logged.text


def test_a_major_cases_extension_is_for_the_leader_to_decide(client: TestClient, people: None) -> None:
    alert_id = make_alert(title="石桥镇路边发现多头死猪", category="epidemic", severity="重大")
    from tests.factories import make_user

    make_user("epidemic-staff", "staff", "epidemic")
    make_user("epidemic-head", "head", "epidemic")
    walk(alert_id, ("acknowledge", "duty"), ("assign", "duty"), ("start", "epidemic-staff"))
    sign_in(client, "epidemic-staff")
    act(client, alert_id, {"action": "request_extension", "note": "等待省实验室检测结果"})
    client.cookies.clear()
    sign_in(client, "epidemic-head")
    page = client.get(f"/alerts/{alert_id}").text
    assert "approve_extension" not in action_forms(page) and "重大预警的延期由中心领导审批" in page
    client.cookies.clear()
    sign_in(client, "leader")
    assert {"approve_extension", "refuse_extension"} <= action_forms(client.get(f"/alerts/{alert_id}").text)


def test_an_information_request_entered_by_a_head_runs_on_its_own_clock(client: TestClient, people: None) -> None:
    sign_in(client, "production-head")
    form = client.get("/alerts/new")
    created = client.post(
        "/alerts/new",
        data={
            "kind": "info_request",
            "title": "申请公开本区生猪养殖补贴发放名单",
            "content": "依据政府信息公开条例，申请公开2025年生猪养殖补贴发放名单。",
            "category": "policy",
            "channel": "信函",
            "csrf": csrf_of(form.text),
        },
        follow_redirects=True,
    )
    assert created.status_code == 200 and "依申请公开" in created.text and "畜牧生产科" in created.text
    assert "set_severity" not in action_forms(created.text)


def test_a_file_over_the_size_limit_is_refused_in_chinese(
    client: TestClient, people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import get_settings

    alert_id = make_alert()
    walk(alert_id, ("acknowledge", "duty"), ("assign", "duty"), ("start", "production-staff"))
    monkeypatch.setenv("MUQING_ATTACHMENT_MAX_BYTES", str(2 * 1024 * 1024))
    get_settings.cache_clear()
    try:
        sign_in(client, "production-staff")
        page = client.get(f"/alerts/{alert_id}")
        assert "每个不超过 2 MB" in page.text
        big = PDF + b"0" * (2 * 1024 * 1024)
        refused = client.post(
            f"/alerts/{alert_id}/respond",
            data={"response": "已处理。", "channel": "website", "csrf": csrf_of(page.text)},
            files=[("files", ("现场照片.pdf", big, "application/pdf"))],
        )
        assert refused.status_code == 422 and "附件「现场照片.pdf」：文件超过大小上限 2 MB" in refused.text
        assert get_alert(alert_id).status == "in_progress"
    finally:
        monkeypatch.delenv("MUQING_ATTACHMENT_MAX_BYTES")
        get_settings.cache_clear()
