"""The report as a Word document (python-docx) and as a workbook (openpyxl)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from docx.document import Document as DocumentType
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from alerts.cases.stats import Timeliness
from core import officedoc
from core.cells import xlsx_append
from core.masked_files import workbook_bytes
from core.timeutil import to_local
from web.figures import FIGURE_COLUMNS, figure_value
from web.reports.data import CaseLine, Report


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

# Column widths in mm across the 156 mm type area of GB/T 9704.
CASE_WIDTHS = [12.0, 38.0, 18.0, 16.0, 10.0, 12.0, 17.0, 17.0, 16.0]
LABEL_WIDTH = 30.0


def _widths(columns: int, first: float = LABEL_WIDTH) -> list[float]:
    return [first, *[(officedoc.TYPE_WIDTH_MM - first) / (columns - 1)] * (columns - 1)]


def _table(document: DocumentType, header: Sequence[str], rows: Sequence[Sequence[str]], widths: list[float]) -> None:
    grid = officedoc.table(document, 1 + len(rows), widths)
    for column, text in enumerate(header):
        officedoc.write_cell(officedoc.cell(grid, 0, column), text, bold=True)
    for index, row in enumerate(rows, start=1):
        for column, text in enumerate(row):
            left = column == 1 and len(row) == len(CASE_HEADER)
            officedoc.write_cell(officedoc.cell(grid, index, column), text, left=left)
    officedoc.repeat_header(grid)


def _cases(document: DocumentType, heading: str, cases: Sequence[CaseLine], empty: str) -> None:
    officedoc.heading(document, heading)
    if cases:
        _table(document, CASE_HEADER, case_rows(cases), CASE_WIDTHS)
    else:
        officedoc.body(document, empty)


def to_docx(report: Report) -> bytes:
    """The report as a .docx file laid out like an official document (GB/T 9704, ``core.officedoc``)."""
    document = officedoc.official_document()
    officedoc.title(document, report.title)
    officedoc.centred(document, f"（{report.period.label}）")
    officedoc.heading(document, "一、总体情况")
    officedoc.body(document, report.summary)
    officedoc.heading(document, "二、各科室办理时效")
    for name, (header, rows) in zip(
        ("（一）按时办理情况", "（二）办理用时与质量"), timeliness_tables(report), strict=True
    ):
        officedoc.heading(document, name, level=2)
        _table(document, header, rows, _widths(len(header)))
    officedoc.heading(document, "三、舆情类别分布")
    if report.categories:
        _table(document, CATEGORY_HEADER, category_rows(report), _widths(len(CATEGORY_HEADER), 40.0))
    else:
        officedoc.body(document, "本期无预警。")
    _cases(document, "四、超期未办结案件", report.overdue, "本期无超期未办结案件。")
    _cases(document, "五、超时办结案件", report.late, "本期无超时办结案件。")
    _cases(document, "六、本期案件清单", report.cases, "本期无预警。")
    document.add_paragraph()
    officedoc.signature(document, f"牧情系统生成于 {_when(report.generated_at)}（北京时间）")
    return officedoc.to_bytes(document)


# ----------------------------------------------------------------------------------------------- XLSX --

HEADER_FILL = PatternFill("solid", fgColor="E6F2EA")
FORMATS = {"count": "0", "rate": "0.0%", "hours": "0.0", "time": "yyyy-mm-dd hh:mm", "text": "@"}
# Widths in characters (a CJK character counts two), within these bounds.
MIN_WIDTH, MAX_WIDTH = 8, 60
CASE_KINDS = ("text", "text", "text", "text", "text", "text", "time", "time", "time")


def _width(value: object) -> int:
    if isinstance(value, datetime):
        return 16
    text = str(value) if value is not None else ""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _sheet(
    workbook: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[object]], kinds: Sequence[str]
) -> None:
    """A sheet with a frozen, bold header row, widths that fit the contents, and each column's number format."""
    sheet = workbook.create_sheet(title)
    xlsx_append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        xlsx_append(sheet, row)  # a case title like =HYPERLINK(…) stays text
    for sheet_row in sheet.iter_rows(min_row=2):
        for cell, kind in zip(sheet_row, kinds, strict=True):
            if kind != "text":
                cell.number_format = FORMATS[kind]
    # The header row and the label column (section, category or case number) stay in view.
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, name in enumerate(header, start=1):
        width = max([_width(name), *(_width(row[index - 1]) for row in rows)]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, width))


def _number(value: float | int | None, kind: str) -> float | int | None:
    if value is None or kind == "count":
        return value
    return round(value, 4 if kind == "rate" else 2)


def _number_rows(report: Report) -> list[list[object]]:
    return [
        [name, *(_number(figure_value(t, attribute), kind) for _, attribute, kind in FIGURE_COLUMNS)]
        for name, t in _figure_items(report)
    ]


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: Beijing time, as every page shows it, without the offset.
    local = to_local(value)
    return local.replace(tzinfo=None, microsecond=0) if local else None


def _case_cells(cases: Sequence[CaseLine]) -> list[list[object]]:
    return [
        [
            f"#{c.id}",
            c.title,
            c.section,
            c.category,
            c.severity,
            c.status,
            _local(c.opened_at),
            _local(c.close_due),
            _local(c.closed_at),
        ]
        for c in cases
    ]


def to_xlsx(report: Report) -> bytes:
    """The report as an .xlsx workbook: summary, timeliness, categories, overdue, late, cases."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "概况"
    xlsx_append(summary, [report.title])
    summary["A1"].font = Font(bold=True, size=14)
    xlsx_append(summary, [report.period.label])
    xlsx_append(summary, [report.summary])
    xlsx_append(summary, [f"生成时间：{_when(report.generated_at)}（北京时间）"])
    summary.column_dimensions["A"].width = 100
    summary["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    figure_kinds = ["text", *(kind for _, _, kind in FIGURE_COLUMNS)]
    _sheet(workbook, "各科室时效", TIMELINESS_HEADER, _number_rows(report), figure_kinds)
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
    _sheet(workbook, "类别分布", CATEGORY_HEADER, category_numbers, ["text", "count", "rate", "rate", "count"])
    _sheet(workbook, "超期未办结", CASE_HEADER, _case_cells(report.overdue), CASE_KINDS)
    _sheet(workbook, "超时办结", CASE_HEADER, _case_cells(report.late), CASE_KINDS)
    _sheet(workbook, "案件清单", CASE_HEADER, _case_cells(report.cases), CASE_KINDS)
    return workbook_bytes(workbook)
