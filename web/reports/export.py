"""The report as a Word document (python-docx) and as a workbook (openpyxl)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from alerts.stats import Timeliness
from core.cells import xlsx_text_cells
from core.masked_files import document_bytes, workbook_bytes
from core.timeutil import to_local
from web.figures import FIGURE_COLUMNS, figure_value
from web.reports.data import CaseLine, Report

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"


def _when(value: datetime | None) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


TIMELINESS_HEADER = ("科室", *(heading for heading, _, _ in FIGURE_COLUMNS))
CATEGORY_HEADER = ("类别", "预警数", "按时签收率", "按时办结率", "超期未办")
CASE_HEADER = ("编号", "标题", "科室", "类别", "级别", "状态", "发现时间", "办结时限", "办结时间")


def _text(value: float | int | None, kind: str) -> str:
    if kind == "rate":
        return _rate(value)
    if kind == "hours":
        return _hours(value)
    return str(value)


def _figure_items(report: Report) -> list[tuple[str, Timeliness]]:
    items = [(r.name, r.figures) for r in report.rows]
    if len(report.rows) > 1:
        items.append(("合计", report.total))
    return items


def timeliness_rows(report: Report) -> list[tuple[str, ...]]:
    """The timeliness table as text, with a total line when there are several sections."""
    return [
        (name, *(_text(figure_value(t, attribute), kind) for _, attribute, kind in FIGURE_COLUMNS))
        for name, t in _figure_items(report)
    ]


# Printed pages and Word split the figures in two tables that fit a portrait page: what was done on time,
# then how long it took and how well (the workbook keeps them in one sheet).
TIMELINESS_SPLIT = 7


def timeliness_tables(report: Report) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """The timeliness table as two (header, rows) halves, each led by the section's name."""
    rows = timeliness_rows(report)
    cut = TIMELINESS_SPLIT + 1
    return [
        (TIMELINESS_HEADER[:cut], [row[:cut] for row in rows]),
        ((TIMELINESS_HEADER[0], *TIMELINESS_HEADER[cut:]), [(row[0], *row[cut:]) for row in rows]),
    ]


def category_rows(report: Report) -> list[tuple[str, ...]]:
    """Cases per category with their on-time rates and overdue count."""
    return [
        (
            c.label,
            str(c.figures.alerts),
            _rate(c.figures.ack_on_time_rate),
            _rate(c.figures.close_on_time_rate),
            str(c.figures.overdue),
        )
        for c in report.by_category
    ]


def case_rows(cases: Sequence[CaseLine]) -> list[tuple[str, ...]]:
    """Cases as text rows."""
    return [
        (
            f"#{c.id}",
            c.title,
            c.section,
            c.category,
            c.severity,
            c.status,
            _when(c.opened_at),
            _when(c.close_due),
            _when(c.closed_at),
        )
        for c in cases
    ]


# ----------------------------------------------------------------------------------------------- DOCX --


def _font(run: object, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name  # type: ignore[attr-defined]
    run.font.size = Pt(size)  # type: ignore[attr-defined]
    run.font.bold = bold  # type: ignore[attr-defined]
    # Word picks the East Asian font from its own attribute.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # type: ignore[attr-defined]


def _paragraph(doc: object, text: str, *, font: str = BODY_FONT, size: float = 14, bold: bool = False) -> None:
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    _font(paragraph.add_run(text), font, size, bold)


def _table(doc: object, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table: Table = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 10.5, True)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), BODY_FONT, 10.5)
    return table


def to_docx(report: Report) -> bytes:
    """The report as a .docx file."""
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(report.title), TITLE_FONT, 22)
    subtitle = doc.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(subtitle.add_run(f"（{report.period.label}）"), BODY_FONT, 14)
    _paragraph(doc, "一、总体情况", font=HEADING_FONT, size=16)
    _paragraph(doc, report.summary)
    _paragraph(doc, "二、各科室办理时效", font=HEADING_FONT, size=16)
    for number, (header, rows) in enumerate(timeliness_tables(report)):
        if number:
            _paragraph(doc, "（续）办理用时与质量", size=12)
        _table(doc, header, rows)
    _paragraph(doc, "三、舆情类别分布", font=HEADING_FONT, size=16)
    if report.categories:
        _table(doc, CATEGORY_HEADER, category_rows(report))
    else:
        _paragraph(doc, "本期无预警。")
    _paragraph(doc, "四、超期未办结案件", font=HEADING_FONT, size=16)
    if report.overdue:
        _table(doc, CASE_HEADER, case_rows(report.overdue))
    else:
        _paragraph(doc, "本期无超期未办结案件。")
    _paragraph(doc, "五、超时办结案件", font=HEADING_FONT, size=16)
    if report.late:
        _table(doc, CASE_HEADER, case_rows(report.late))
    else:
        _paragraph(doc, "本期无超时办结案件。")
    _paragraph(doc, "六、本期案件清单", font=HEADING_FONT, size=16)
    if report.cases:
        _table(doc, CASE_HEADER, case_rows(report.cases))
    else:
        _paragraph(doc, "本期无预警。")
    footer = doc.add_paragraph()
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(footer.add_run(f"牧情系统生成于 {_when(report.generated_at)}（北京时间）"), BODY_FONT, 12)
    return document_bytes(doc)


# ----------------------------------------------------------------------------------------------- XLSX --

HEADER_FILL = PatternFill("solid", fgColor="E6F2EA")


def _sheet(workbook: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        sheet.append(list(row))
    for sheet_row in sheet.iter_rows(min_row=2):
        xlsx_text_cells(sheet_row)  # a case title like =HYPERLINK(…) stays text
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        width = max([len(str(name)) * 2, *(min(len(str(row[index - 1])) * 2, 60) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = max(8, width)


def _number(value: float | int | None, kind: str) -> float | int | None:
    if value is None or kind == "count":
        return value
    return round(value, 4 if kind == "rate" else 2)


def _number_rows(report: Report) -> list[list[object]]:
    return [
        [name, *(_number(figure_value(t, attribute), kind) for _, attribute, kind in FIGURE_COLUMNS)]
        for name, t in _figure_items(report)
    ]


def to_xlsx(report: Report) -> bytes:
    """The report as an .xlsx workbook: summary, timeliness, categories, overdue, late, cases."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "概况"
    summary.append([report.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([report.period.label])
    summary.append([report.summary])
    summary.append([f"生成时间：{_when(report.generated_at)}（北京时间）"])
    summary.column_dimensions["A"].width = 100
    _sheet(workbook, "各科室时效", TIMELINESS_HEADER, _number_rows(report))
    rate_sheet = workbook["各科室时效"]
    for index, (_, _, kind) in enumerate(FIGURE_COLUMNS, start=2):
        if kind == "rate":
            for cell in rate_sheet[get_column_letter(index)][1:]:
                cell.number_format = "0.0%"
    category_numbers = [
        [
            c.label,
            c.figures.alerts,
            _number(c.figures.ack_on_time_rate, "rate"),
            _number(c.figures.close_on_time_rate, "rate"),
            c.figures.overdue,
        ]
        for c in report.by_category
    ]
    _sheet(workbook, "类别分布", CATEGORY_HEADER, category_numbers)
    for column in ("C", "D"):
        for cell in workbook["类别分布"][column][1:]:
            cell.number_format = "0.0%"
    _sheet(workbook, "超期未办结", CASE_HEADER, case_rows(report.overdue))
    _sheet(workbook, "超时办结", CASE_HEADER, case_rows(report.late))
    _sheet(workbook, "案件清单", CASE_HEADER, case_rows(report.cases))
    return workbook_bytes(workbook)
