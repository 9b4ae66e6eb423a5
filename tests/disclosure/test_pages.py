"""Requests of two years entered through the web form and the API: the report page reconciles with a count by
hand, the office fills in its sections, marks it published, and the DOCX and XLSX read back as laid out."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from docx import Document
from docx.shared import Length
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from alerts.disclosure.format import RECONCILIATION_NOTE
from tests.disclosure.conftest import Desk
from tests.disclosure.test_register_api import row, table
from tests.web.helpers import csrf_of, sign_in


def form_post(client: TestClient, page: str, path: str, data: dict[str, str], status: int = 303) -> Any:
    response = client.post(path, data={**data, "csrf": csrf_of(client.get(page).text)}, follow_redirects=False)
    assert response.status_code == status, response.text[:2000]
    return response


def request_id(response: Any) -> int:
    match = re.match(r"/disclosure/requests/(\d+)\?done=", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def enter_through_the_form(client: TestClient, **fields: str) -> int:
    return request_id(form_post(client, "/disclosure/new", "/disclosure/new", fields))


EXPECTED_2025 = {
    "new": row(natural=1, business=1, research=1, public_interest=1),
    "carried_in": row(natural=1, legal_service=1),
    "disclosed": row(natural=1, legal_service=1),
    "partial": row(natural=1),
    "withheld.process_info": row(business=1),
    "results_total": row(natural=2, business=1, legal_service=1),
    "carried_out": row(research=1, public_interest=1),
}


THROUGH_THE_API = [
    {"applicant_type": "natural", "applicant_name": "甲", "received_via": "letter", "information": "补贴发放名单",
     "received_at": "2024-11-05T09:00:00+08:00", "answered_at": "2025-01-06T09:00:00+08:00", "outcome": "disclosed"},
    {"applicant_type": "business", "applicant_name": "乙公司", "received_via": "online", "information": "会议纪要",
     "received_at": "2025-03-03T09:00:00+08:00", "answered_at": "2025-03-20T09:00:00+08:00", "outcome": "withheld",
     "reason": "process_info"},
    {"applicant_type": "research", "applicant_name": "某研究所", "received_via": "email", "information": "监测数据",
     "received_at": "2025-12-29T09:00:00+08:00"},
]  # fmt: skip
THROUGH_THE_FORM = [
    {"applicant_type": "legal_service", "applicant_name": "某律所", "received_via": "fax",
     "information": "行政处罚决定书", "received_at": "2024-12-30T10:00"},
    {"applicant_type": "natural", "applicant_name": "丙", "received_via": "letter", "information": "检疫证明开具流程",
     "received_at": "2025-06-10T09:00", "answered_at": "2025-06-30T09:00", "outcome": "partial"},
    {"applicant_type": "public_interest", "applicant_name": "某协会", "received_via": "online",
     "information": "养殖场投诉处理结果", "received_at": "2025-12-30T15:00"},
]  # fmt: skip
OFFICE_SECTIONS = {
    "organisation": "某区畜牧发展促进中心", "overview": "全年依法办理政府信息公开申请。",
    "problems": "答复文书格式需统一。", "other": "无。", "rules_issued": "0", "normative_issued": "2",
    "normative_in_force": "7", "licensing": "31", "penalties": "4", "coercion": "0", "fees": "0",
    "review.upheld": "1", "review.pending": "1", "suit_direct.corrected": "1",
}  # fmt: skip


def enter_through_the_pages(client: TestClient) -> None:
    """The office's staff enters three requests with the form and answers the 2024 one on its page."""
    sign_in(client, "office-staff")
    older, _, _ = [enter_through_the_form(client, **fields) for fields in THROUGH_THE_FORM]
    page = f"/disclosure/requests/{older}"
    form_post(client, page, f"{page}/steps", {"step": "answer", "at": "2025-01-15T10:00", "outcome": "disclosed"})
    shown = client.get(page).text
    assert "予以公开" in shown and "按期" in shown
    # A bad form is shown again with the reason, nothing stored.
    bad = {"applicant_type": "个人", "received_via": "fax", "applicant_name": "丁", "information": "x"}
    refused = form_post(client, "/disclosure/new", "/disclosure/new", bad, status=400)
    assert "申请人类型「个人」无效" in refused.text


def test_two_years_through_form_and_api_reconcile_publish_and_export(
    client: TestClient, desk: Callable[[str, str], Desk]
) -> None:
    api = desk("office-head", "2026-01-08 10:00")
    for fields in THROUGH_THE_API:
        api.call("POST", "/api/disclosure/requests", 201, json=fields)
    enter_through_the_pages(client)

    report = api.call("GET", "/api/disclosure/reports/2025")
    counted = table(report)
    assert {key: counted[key] for key in EXPECTED_2025} == EXPECTED_2025
    assert all(values == row() for key, values in counted.items() if key not in EXPECTED_2025)
    assert report["reconciled"] and all(c["ok"] for c in report["checks"])
    assert table(api.call("GET", "/api/disclosure/reports/2024"))["carried_out"] == row(natural=1, legal_service=1)
    html = client.get("/disclosure/reports/2025").text
    assert "✗" not in html and "第一项加第二项之和等于第三项加第四项之和" in html
    assert 'rowspan="22"' in html and "三、本年度办理结果" in html

    sign_in(client, "office-head")
    form_post(client, "/disclosure/reports/2025", "/disclosure/reports/2025/forms", OFFICE_SECTIONS)
    published = {"url": "https://example.org/2025"}
    form_post(client, "/disclosure/reports/2025", "/disclosure/reports/2025/publish", published)
    report = api.call("GET", "/api/disclosure/reports/2025")
    assert report["status"] == "published" and report["forms"]["proactive"]["licensing"] == 31

    docx = client.get("/disclosure/reports/2025/export.docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    check_docx(docx.content)
    check_xlsx(client.get("/disclosure/reports/2025/export.xlsx").content)


def millimetres(length: Length | None) -> float:
    assert length is not None
    return round(length.mm, 1)


def check_docx(content: bytes) -> None:
    document = Document(io.BytesIO(content))
    section = document.sections[0]
    # Word keeps lengths in twentieths of a point: compare in millimetres.
    size = [millimetres(length) for length in (section.page_width, section.page_height)]
    margins = [
        millimetres(m) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ]
    assert size == [210, 297] and margins == [37, 35, 28, 26]
    assert "PAGE" in section.footer._element.xml
    text = "\n".join(p.text for p in document.paragraphs)
    assert "某区畜牧发展促进中心2025年政府信息公开工作年度报告" in text
    headings = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert [line for line in text.splitlines() if line in headings] == headings
    assert "草稿" not in text and "答复文书格式需统一。" in text
    title_run = document.paragraphs[0].runs[0]
    assert title_run.font.size is not None and title_run.font.size.pt == 22
    assert title_run.font.name == "方正小标宋简体"
    proactive, section3, review = document.tables
    assert [c.text for c in proactive.rows[3].cells] == ["行政规范性文件", "2", "0", "7"]
    assert proactive.cell(6, 1).text == "31"
    # Section 三 as the format lays it out: three header rows, the merged label cells, counts by column.
    assert section3.cell(0, 0).text == RECONCILIATION_NOTE and section3.cell(2, 2).text == RECONCILIATION_NOTE
    assert section3.cell(0, 3).text == "申请人情况" and section3.cell(0, 9).text == "申请人情况"
    assert section3.cell(1, 3).text == "自然人" and section3.cell(2, 3).text == "自然人"
    assert section3.cell(1, 4).text == "法人或其他组织"
    assert [section3.cell(2, c).text for c in range(4, 10)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    rows = {section3.cell(r, 2).text: [section3.cell(r, c).text for c in range(3, 10)] for r in range(3, 28)}
    assert rows["一、本年新收政府信息公开申请数量"] == ["1", "1", "1", "1", "0", "0", "4"]
    assert rows["二、上年结转政府信息公开申请数量"] == ["1", "0", "0", "0", "1", "0", "2"]
    assert rows["6.属于四类过程性信息"] == ["0", "1", "0", "0", "0", "0", "1"]
    assert rows["（七）总计"] == ["2", "1", "0", "0", "1", "0", "4"]
    assert rows["四、结转下年度继续办理"] == ["0", "0", "1", "1", "0", "0", "2"]
    assert section3.cell(5, 0).text == section3.cell(26, 0).text == "三、本年度办理结果"
    assert section3.cell(7, 1).text == section3.cell(14, 1).text == "（三）不予公开"
    assert section3.cell(5, 1).text == section3.cell(5, 2).text == "（一）予以公开"
    assert [c.text for c in review.rows[3].cells] == ["1", "0", "0", "1", "2", "0", "1", "0", "0", "1", *["0"] * 5]


def check_xlsx(content: bytes) -> None:
    book = load_workbook(io.BytesIO(content))
    sheet = book["三、收到和处理申请情况"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A2:C4", "D2:J2", "D3:D4", "E3:I3", "J3:J4", "A7:A28"} <= merged
    assert sheet["A2"].value == RECONCILIATION_NOTE
    labels = {sheet.cell(r, 3).value or sheet.cell(r, 2).value or sheet.cell(r, 1).value: r for r in range(5, 30)}
    new = labels["一、本年新收政府信息公开申请数量"]
    assert [sheet.cell(new, c).value for c in range(4, 11)] == [1, 1, 1, 1, 0, 0, 4]
    out = labels["四、结转下年度继续办理"]
    assert [sheet.cell(out, c).value for c in range(4, 11)] == [0, 0, 1, 1, 0, 0, 2]
    register = book["登记簿"]
    assert register.max_row - 1 == 6  # the four received in 2025 and the two carried in from 2024
    outcomes = sorted(str(register.cell(r, 11).value) for r in range(2, register.max_row + 1))
    assert outcomes.count("结转下年度") == 2 and "不予公开：属于四类过程性信息" in outcomes
