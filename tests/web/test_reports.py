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


def _mm(length: object) -> float:
    assert length is not None
    return round(length.mm, 1)  # type: ignore[attr-defined]


def _east_asian_font(style: object) -> str | None:
    from docx.oxml.ns import qn

    fonts = style.element.rPr.rFonts  # type: ignore[attr-defined]
    assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None
    value: str | None = fonts.get(qn("w:eastAsia"))
    return value


def test_the_word_report_follows_the_official_document_format(client: TestClient, people: None) -> None:
    make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    sign_in(client, "leader")
    document = Document(io.BytesIO(client.get("/reports/export.docx?kind=week").content))
    section = document.sections[0]
    # GB/T 9704: A4, top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
    assert [_mm(section.page_width), _mm(section.page_height)] == [210, 297]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [_mm(m) for m in margins] == [37, 35, 28, 26]
    styles = document.styles
    assert _east_asian_font(styles["Title"]) == "方正小标宋简体" and styles["Title"].font.size.pt == 22
    assert _east_asian_font(styles["Normal"]) == "仿宋_GB2312" and styles["Normal"].font.size.pt == 16
    assert 28 <= styles["Normal"].paragraph_format.line_spacing.pt <= 29
    assert _east_asian_font(styles["Heading 1"]) == "黑体" and styles["Heading 1"].font.size.pt == 16
    assert _east_asian_font(styles["Heading 2"]) == "楷体_GB2312" and styles["Heading 2"].font.size.pt == 16
    assert not styles["Heading 1"].font.bold and styles["Heading 1"].font.color.rgb == (0, 0, 0)
    paragraphs = document.paragraphs
    assert (
        paragraphs[0].style is not None
        and paragraphs[0].style.name == "Title"
        and paragraphs[0].text == "全中心舆情处置工作周报"
    )
    by_style: dict[str, list[str]] = {}
    for paragraph in paragraphs:
        by_style.setdefault(paragraph.style.name if paragraph.style else "", []).append(paragraph.text)
    assert by_style["Heading 1"] == [
        "一、总体情况",
        "二、各科室办理时效",
        "三、舆情类别分布",
        "四、超期未办结案件",
        "五、超时办结案件",
        "六、本期案件清单",
    ]
    assert by_style["Heading 2"] == ["（一）按时办理情况", "（二）办理用时与质量"]
    # Page numbers "— 1 —" in 4号 宋体: odd pages on the right, even pages on the left.
    assert document.settings.odd_and_even_pages_header_footer
    for footer, alignment in ((section.footer, "RIGHT"), (section.even_page_footer, "LEFT")):
        number = footer.paragraphs[0]
        assert "PAGE" in number._element.xml and number.text.replace(" ", "") == "——"
        assert number.alignment is not None and number.alignment.name == alignment
        assert {run.font.size.pt for run in number.runs} == {14} and number.runs[0].font.name == "宋体"
    # Tables fit the 156 mm type area.
    for table in document.tables:
        widths = [cell.width for cell in table.rows[0].cells]
        assert abs(sum(_mm(width) for width in widths) - 156) < 1


def test_the_workbook_has_frozen_headers_widths_and_number_and_date_formats(client: TestClient, people: None) -> None:
    from datetime import datetime

    closed = make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    _close_one(client, closed)
    client.cookies.clear()
    sign_in(client, "leader")
    workbook = load_workbook(io.BytesIO(client.get("/reports/export.xlsx?kind=week").content))
    for name in ("各科室时效", "类别分布", "超期未办结", "超时办结", "案件清单"):
        sheet = workbook[name]
        assert sheet.freeze_panes == "B2", name
        assert all(sheet.column_dimensions[column].width >= 8 for column in "ABC"), name
    figures = workbook["各科室时效"]
    header = [cell.value for cell in figures[1]]
    row = next(r for r in figures.iter_rows(min_row=2) if r[0].value == "畜牧生产科")
    assert row[header.index("按时办结率")].number_format == "0.0%"
    assert row[header.index("平均办结用时（小时）")].number_format == "0.0"
    assert row[header.index("预警数")].number_format == "0"
    cases = workbook["案件清单"]
    case = next(cases.iter_rows(min_row=2))
    opened, closed_at = case[6], case[8]
    assert isinstance(opened.value, datetime) and opened.number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(closed_at.value, datetime) and closed_at.value >= opened.value
    assert cases.column_dimensions["B"].width >= 20  # the title column is wide enough to read
