"""The report as a Word document (python-docx) and as a workbook (openpyxl)."""

from __future__ import annotations

import io
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

from core.timeutil import to_local
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


TIMELINESS_HEADER = (
    "科室",
    "预警数",
    "已签收",
    "按时签收率",
    "平均签收用时（小时）",
    "已办结",
    "按时办结率",
    "平均办结用时（小时）",
)
CASE_HEADER = ("编号", "标题", "科室", "类别", "级别", "状态", "发现时间", "办结时限", "办结时间")


def timeliness_rows(report: Report) -> list[tuple[str, ...]]:
    """The timeliness table as text, with a total line when there are several sections."""
    rows: list[tuple[str, ...]] = [
        (
            r.name,
            str(r.figures.alerts),
            str(r.figures.acked),
            _rate(r.figures.ack_on_time_rate),
            _hours(r.figures.mean_hours_to_ack),
            str(r.figures.closed),
            _rate(r.figures.close_on_time_rate),
            _hours(r.figures.mean_hours_to_close),
        )
        for r in report.rows
    ]
    if len(report.rows) > 1:
        t = report.total
        rows.append(
            (
                "合计",
                str(t.alerts),
                str(t.acked),
                _rate(t.ack_on_time_rate),
                _hours(t.mean_hours_to_ack),
                str(t.closed),
                _rate(t.close_on_time_rate),
                _hours(t.mean_hours_to_close),
            )
        )
    return rows


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
    _table(doc, TIMELINESS_HEADER, timeliness_rows(report))
    _paragraph(doc, "三、舆情类别分布", font=HEADING_FONT, size=16)
    if report.categories:
        _table(doc, ("类别", "预警数"), [(label, str(n)) for _, label, n in report.categories])
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
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


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
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        width = max([len(str(name)) * 2, *(min(len(str(row[index - 1])) * 2, 60) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = max(8, width)


def _number_rows(report: Report) -> list[list[object]]:
    rows: list[list[object]] = []
    items = [(r.name, r.figures) for r in report.rows]
    if len(report.rows) > 1:
        items.append(("合计", report.total))
    for name, t in items:
        rows.append(
            [
                name,
                t.alerts,
                t.acked,
                None if t.ack_on_time_rate is None else round(t.ack_on_time_rate, 4),
                None if t.mean_hours_to_ack is None else round(t.mean_hours_to_ack, 2),
                t.closed,
                None if t.close_on_time_rate is None else round(t.close_on_time_rate, 4),
                None if t.mean_hours_to_close is None else round(t.mean_hours_to_close, 2),
            ]
        )
    return rows


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
    for column in ("D", "G"):
        for cell in rate_sheet[column][1:]:
            cell.number_format = "0.0%"
    _sheet(workbook, "类别分布", ("类别", "预警数"), [(label, n) for _, label, n in report.categories])
    _sheet(workbook, "超期未办结", CASE_HEADER, case_rows(report.overdue))
    _sheet(workbook, "超时办结", CASE_HEADER, case_rows(report.late))
    _sheet(workbook, "案件清单", CASE_HEADER, case_rows(report.cases))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
