"""Control characters in the annual report's text: refused when typed, dropped from exports when already stored.

Word and Excel files cannot hold most C0 control characters. Forms refuse them with 422 naming the field;
rows stored before that (or by an import) still export, with the readable text kept.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from alerts.disclosure.models import AnnualReport, DisclosureRequest
from core.db import session_scope
from tests.disclosure.conftest import Desk
from tests.disclosure.test_pages import form_post
from tests.web.helpers import sign_in

# The control characters a stored text may hold (NUL is refused when stored, on both databases).
CONTROLS = "\x01\x08\x1b\x1f\ufffe"


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def xlsx_texts(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value]


def test_forms_refuse_control_characters_naming_the_field(client: TestClient, desk: Callable[[str, str], Desk]) -> None:
    office = desk("office-head", "2026-01-08 10:00")
    refused = office.call("PUT", "/api/disclosure/reports/2025/forms", 422, json={"overview": "总体\x00情况"})
    assert refused["code"] == "invalid_input" and refused["message"] == "请求字段有误：body/overview"
    assert "U+0000" in refused["detail"][0]["msg"]
    entry = {"applicant_type": "natural", "received_via": "online", "information": "名单\x07", "applicant_name": "甲"}
    refused = office.call("POST", "/api/disclosure/requests", 422, json=entry)
    assert refused["message"] == "请求字段有误：body/information"
    # Tabs and line breaks are ordinary text.
    saved = office.call("PUT", "/api/disclosure/reports/2025/forms", json={"overview": "第一段\r\n\t第二段"})
    assert saved["forms"]["overview"] == "第一段\r\n\t第二段"

    sign_in(client, "office-head")
    typed = {"organisation": "畜牧发展促进中心", "problems": "问题\x0b"}
    page = form_post(client, "/disclosure/reports/2025", "/disclosure/reports/2025/forms", typed, 400)
    assert "字段 problems 有误" in page.text and "控制字符（U+000B）" in page.text


def test_stored_control_characters_export_to_docx_and_xlsx_with_the_text_kept(
    seeded: str, desk: Callable[[str, str], Desk]
) -> None:
    office = desk("office-head", "2026-01-08 10:00")
    entry = {
        "applicant_type": "natural",
        "received_via": "online",
        "applicant_name": "甲",
        "information": "禁养区划定图",
        "received_at": "2025-03-02T09:00:00+08:00",
    }
    office.call("POST", "/api/disclosure/requests", 201, json=entry)
    office.call("PUT", "/api/disclosure/reports/2025/forms", json={"overview": "占位"})
    bad = CONTROLS
    # Rows as an older version (or a crawl, an import) left them: straight into the database.
    with session_scope() as session:
        report = session.get(AnnualReport, 2025)
        assert report is not None
        report.forms = {
            **report.forms,
            "organisation": f"畜牧{bad}中心",
            "overview": f"全年{bad}依法公开\x0b第二行",
            "problems": f"问题{bad}已整改",
        }
        request = session.scalar(select(DisclosureRequest))
        assert request is not None
        request.information = f"禁养区{bad}划定图"

    # The report still shows (the stored text is not checked as if typed again).
    assert office.call("GET", "/api/disclosure/reports/2025")["forms"]["problems"] == f"问题{bad}已整改"
    docx = office.call("GET", "/api/disclosure/reports/2025/export.docx")
    text = docx_text(docx.content)
    assert "畜牧中心2025年政府信息公开工作年度报告" in text
    assert "全年依法公开" in text and "第二行" in text and "问题已整改" in text
    assert not any(char in text for char in bad)

    xlsx = office.call("GET", "/api/disclosure/reports/2025/export.xlsx")
    texts = xlsx_texts(xlsx.content)
    assert "禁养区划定图" in texts
    assert any(t.startswith("畜牧中心2025年政府信息公开工作年度报告") for t in texts)
    assert not any(char in t for t in texts for char in bad)
