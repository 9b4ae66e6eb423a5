"""Weekly and monthly reports: the printable page and the DOCX and XLSX files carry the same figures."""

from __future__ import annotations

import io

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.factories import make_alert
from tests.web.helpers import csrf_of, sign_in


def _close_one(client: TestClient, alert_id: int) -> None:
    for username, steps in (
        ("duty", [{"action": "acknowledge"}, {"action": "assign"}]),
        ("production-staff", [{"action": "start"}, {"action": "respond", "response": "已责令整改。"}]),
        ("production-head", [{"action": "close"}]),
    ):
        client.cookies.clear()
        sign_in(client, username)
        for step in steps:
            page = client.get(f"/alerts/{alert_id}")
            response = client.post(f"/alerts/{alert_id}/action", data={**step, "csrf": csrf_of(page.text)})
            assert response.status_code == 200, response.text


def test_weekly_report_as_page_docx_and_xlsx(client: TestClient, people: None) -> None:
    closed = make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    make_alert(title="菜市场猪肉没有检疫章", category="product_safety")
    _close_one(client, closed)
    client.cookies.clear()
    sign_in(client, "leader")

    page = client.get("/reports?kind=week")
    assert page.status_code == 200
    assert "全中心舆情处置工作周报" in page.text and "双塘镇养鸡场鸡粪乱堆" in page.text
    assert "按时办结率" in page.text and "100.0%" in page.text

    docx = client.get("/reports/export.docx?kind=week")
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "全中心舆情处置工作周报" in text and "共发现需回应舆情 2 件" in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "畜牧生产科" in cells and "畜产品质量安全科" in cells and "100.0%" in cells

    xlsx = client.get("/reports/export.xlsx?kind=month")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["概况", "各科室时效", "类别分布", "超期未办结", "超时办结", "案件清单"]
    assert "全中心舆情处置工作月报" in workbook["概况"]["A1"].value
    figures = {row[0]: row for row in workbook["各科室时效"].iter_rows(min_row=2, values_only=True)}
    assert figures["畜牧生产科"][5] == 1 and figures["畜牧生产科"][6] == 1.0
    assert figures["合计"][1] == 2
    titles = [row[1] for row in workbook["案件清单"].iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == ["双塘镇养鸡场鸡粪乱堆", "菜市场猪肉没有检疫章"]


def test_a_section_exports_only_its_own_report(client: TestClient, people: None) -> None:
    make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    make_alert(title="菜市场猪肉没有检疫章", category="product_safety")
    sign_in(client, "quality-staff")
    xlsx = client.get("/reports/export.xlsx?kind=week&section=2")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook["概况"]["A1"].value == "畜产品质量安全科舆情处置工作周报"
    titles = [row[1] for row in workbook["案件清单"].iter_rows(min_row=2, values_only=True)]
    assert titles == ["菜市场猪肉没有检疫章"]


def test_a_bad_date_is_explained(client: TestClient, people: None) -> None:
    sign_in(client, "leader")
    response = client.get("/reports?date=yesterday")
    assert response.status_code == 422 and "日期格式" in response.text  # InvalidInput, as the API answers it
