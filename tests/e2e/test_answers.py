"""In a real browser: a section answers a case with a similar closed case shown and a draft from the 口径库;
a response with a phone number and a misused word is flagged at submission and at sign-off; an expired
statement is never suggested."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from alerts.statements.schemas import DocumentIn, StatementIn
from alerts.statements.service import create_statement
from core.db import session_scope
from tests.answers.helpers import case, close_with, to_in_progress
from tests.e2e.conftest import Person, Server
from tests.factories import get_user

VALID_WORDING = "我中心已责令{地点}相关养殖场限期清运粪污、修复防渗设施，并依据《畜禽规模养殖污染防治条例》持续监管。"
EXPIRED_WORDING = "该养殖场已列入二〇一九年搬迁计划。"
FLAGGED = "经核查，养殖户张明（13812345678）已按装新的粪污处理设施，我中心将持续跟踪。"


def _statements() -> None:
    head = get_user("production-head")
    base = {
        "category": "pollution",
        "keywords": ["粪水", "粪污", "养猪场"],
        "approved_by": "中心主任办公会",
        "documents": [DocumentIn(title="畜禽规模养殖污染防治条例", number="国务院令第643号")],
    }
    with session_scope() as session:
        create_statement(
            session,
            actor=head,
            data=StatementIn.model_validate(
                {
                    **base,
                    "topic": "养殖粪污排放（旧）",
                    "wording": EXPIRED_WORDING,
                    "valid_from": "2019-01-01",
                    "valid_until": "2020-12-31",
                }
            ),
        )
        create_statement(
            session,
            actor=head,
            data=StatementIn.model_validate(
                {**base, "topic": "养殖场粪污排放", "wording": VALID_WORDING, "valid_from": "2021-01-01"}
            ),
        )


def _reindex(server: Server) -> None:
    """Rebuild the server's search index (in its data directory) from the shared database."""
    from core.search.service import forget_backends, reindex
    from tests.conftest import reload_settings

    database = make_url(server.database_url).database
    assert database is not None
    saved = os.environ["MUQING_DATA_DIR"]
    os.environ["MUQING_DATA_DIR"] = str(Path(database).parent)
    reload_settings()
    forget_backends()
    try:
        reindex()
    finally:
        os.environ["MUQING_DATA_DIR"] = saved
        reload_settings()
        forget_backends()


def test_a_section_answers_with_a_similar_case_and_a_draft_and_the_head_sees_the_flags(
    browser: Any, server: Server
) -> None:
    _statements()
    farm: dict[str, Any] = {"towns": ("柳河镇",), "villages": ("新庄村",), "farms": ("丰收养猪场",)}
    earlier = case("柳河镇新庄村丰收养猪场粪水直排水塘", **farm)
    to_in_progress(earlier)
    close_with(earlier, "经现场核查，已责令丰收养猪场清运粪污并修复防渗池，镇农业服务中心每周复查。")
    now = case("新庄村丰收养猪场又往水塘里排粪水，臭得没法开窗", **farm)
    to_in_progress(now)
    _reindex(server)

    staff = Person(browser, server, "production-staff").sign_in()
    page = staff.page
    staff.open(f"/alerts/{now}")
    similar = page.locator("#similar-cases")
    assert f"#{earlier}" in similar.inner_text() and "已责令丰收养猪场清运粪污" in similar.inner_text()
    assert "回访：满意" in similar.inner_text()
    box = page.get_by_label("回应内容")
    draft = box.input_value()
    assert "责令柳河镇新庄村相关养殖场限期清运粪污" in draft and "畜牧生产科" in draft
    assert "养殖场粪污排放" in page.locator("#draft-sources").inner_text()
    assert "搬迁计划" not in page.inner_text("main") and "（旧）" not in page.inner_text("main")
    staff.shot("answers-draft-and-similar")

    box.fill(FLAGGED)
    page.get_by_role("button", name="提交回应").click()
    findings = page.locator("#respond-findings")
    assert "「按装」应为「安装」" in findings.inner_text() and "含个人姓名和电话号码" in findings.inner_text()
    assert page.locator("#respond-findings mark.finding").count() >= 2
    staff.shot("answers-flagged-at-submission")
    page.get_by_label("已核对，提交科室负责人审核签发").check()
    page.get_by_role("button", name="提交回应").click()
    assert page.get_by_role("status").inner_text() == "已回应"
    submitted = page.locator(".response", has_text="按装新的粪污处理设施").inner_text()
    assert "待审核签发" in submitted and "13812345678" not in submitted  # personal data shown masked
    staff.close()

    head = Person(browser, server, "production-head").sign_in()
    hpage = head.page
    head.open(f"/alerts/{now}")
    card = hpage.locator(".response", has_text="按装新的粪污处理设施")
    assert "审核提示" in card.inner_text() and "「按装」应为「安装」" in card.inner_text()
    assert card.locator("mark.finding").count() >= 2
    reason = hpage.get_by_label("签发理由")
    assert reason.get_attribute("required") is not None
    head.shot("answers-flagged-at-sign-off")
    reason.fill("号码为养殖场公开的投诉电话，错字已请经办人更正后发布")
    hpage.locator("#act-sign_off").get_by_role("button", name="审核签发").click()
    assert hpage.get_by_role("status").inner_text() == "已审核签发"
    assert "签发理由：号码为养殖场公开的投诉电话" in card.inner_text()
    assert "号码为养殖场公开的投诉电话" in hpage.locator("ol.timeline").inner_text()
    hpage.goto(server.base + "/statements")
    expired = hpage.locator("article.statement", has_text="（旧）")
    assert "已过期" in expired.inner_text()
    head.close()
