"""The annual report as a Word document laid out as the unified format lays it out, and as a workbook.

The section 三 table has three label columns and seven count columns: the header's 勾稽关系 note spans the
label columns of the three header rows, 申请人情况 spans the counts, 法人或其他组织 its five kinds; in the
body, 三、本年度办理结果 spans every result row and each outcome with reasons spans its reason rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby

from docx.document import Document as DocumentType
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from alerts.disclosure.format import COLUMN_LABELS, COLUMNS, ORGANISATION_TYPES, RECONCILIATION_NOTE
from alerts.disclosure.schemas import ReportOut, RequestOut, RowOut
from core import officedoc
from core.cells import xlsx_append, xlsx_cell
from core.masked_files import workbook_bytes
from core.privacy import mask_name
from core.timeutil import to_local

HEADER_ROWS = 3
LABEL_WIDTHS = [14.0, 22.0, 48.0]
COUNT_WIDTH = 72.0 / len(COLUMNS)
REVIEW_HEADS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def body_layout(rows: Sequence[RowOut]) -> list[tuple[int, int, int, int, str]]:
    """Merged label cells of the body as (first row, first col, last row, last col, text), rows 0-based."""
    cells: list[tuple[int, int, int, int, str]] = []
    results = [i for i, row in enumerate(rows) if row.kind == "result"]
    if results:
        cells.append((results[0], 0, results[-1], 0, rows[results[0]].label))
    for i, row in enumerate(rows):
        if row.kind == "head":
            cells.append((i, 0, i, 2, row.label))
        elif not row.item:
            cells.append((i, 1, i, 2, row.group))
    for group, members in groupby((i for i in results if rows[i].item), key=lambda i: rows[i].group):
        indexes = list(members)
        cells.append((indexes[0], 1, indexes[-1], 1, group))
        cells.extend((i, 2, i, 2, rows[i].item) for i in indexes)
    return cells


def header_layout() -> list[tuple[int, int, int, int, str]]:
    """Merged cells of the three header rows (0-based, inclusive)."""
    last = 2 + len(COLUMNS)
    organisations = [3 + COLUMNS.index(c) for c in ORGANISATION_TYPES]
    cells = [
        (0, 0, 2, 2, RECONCILIATION_NOTE),
        (0, 3, 0, last, "申请人情况"),
        (1, 3, 2, 3, COLUMN_LABELS["natural"]),
        (1, organisations[0], 1, organisations[-1], "法人或其他组织"),
        (1, last, 2, last, COLUMN_LABELS["total"]),
    ]
    cells.extend((2, col, 2, col, COLUMN_LABELS[c]) for col, c in zip(organisations, ORGANISATION_TYPES, strict=True))
    return cells


def _section3_docx(document: DocumentType, rows: Sequence[RowOut]) -> None:
    grid = officedoc.table(document, HEADER_ROWS + len(rows), LABEL_WIDTHS + [COUNT_WIDTH] * len(COLUMNS))
    layout = header_layout() + [(a + HEADER_ROWS, b, c + HEADER_ROWS, d, t) for a, b, c, d, t in body_layout(rows)]
    for first_row, first_col, last_row, last_col, text in layout:
        cell = officedoc.cell(grid, first_row, first_col)
        if (last_row, last_col) != (first_row, first_col):
            cell = cell.merge(officedoc.cell(grid, last_row, last_col))
        officedoc.write_cell(cell, text, left=first_col == 2 or (first_row >= HEADER_ROWS and last_col == 2))
    for index, row in enumerate(rows):
        for offset, column in enumerate(COLUMNS):
            value = str(getattr(row.values, column))
            officedoc.write_cell(officedoc.cell(grid, HEADER_ROWS + index, 3 + offset), value)


def _proactive_docx(document: DocumentType, report: ReportOut) -> None:
    p = report.forms.proactive
    lines: list[tuple[str, ...]] = [
        ("第二十条第（一）项",),
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        ("规章", str(p.rules_issued), str(p.rules_repealed), str(p.rules_in_force)),
        ("行政规范性文件", str(p.normative_issued), str(p.normative_repealed), str(p.normative_in_force)),
        ("第二十条第（五）项",),
        ("信息内容", "本年处理决定数量"),
        ("行政许可", str(p.licensing)),
        ("第二十条第（六）项",),
        ("信息内容", "本年处理决定数量"),
        ("行政处罚", str(p.penalties)),
        ("行政强制", str(p.coercion)),
        ("第二十条第（八）项",),
        ("信息内容", "本年收费金额（单位：万元）"),
        ("行政事业性收费", f"{p.fees:g}"),
    ]
    grid = officedoc.table(document, len(lines), [48.0, 36.0, 36.0, 36.0])
    for index, line in enumerate(lines):
        if len(line) == 4:
            for col, text in enumerate(line):
                officedoc.write_cell(officedoc.cell(grid, index, col), text)
            continue
        if len(line) == 1:
            merged = officedoc.cell(grid, index, 0).merge(officedoc.cell(grid, index, 3))
            officedoc.write_cell(merged, line[0], bold=True)
            continue
        officedoc.write_cell(officedoc.cell(grid, index, 0), line[0])
        officedoc.write_cell(officedoc.cell(grid, index, 1).merge(officedoc.cell(grid, index, 3)), line[1])


def review_values(report: ReportOut) -> list[int]:
    """The fifteen counts of section 四: review, then suits without and after review (each with its total)."""
    values: list[int] = []
    for counts in (report.forms.review.review, report.forms.review.suit_direct, report.forms.review.suit_after_review):
        parts = [counts.upheld, counts.corrected, counts.other, counts.pending]
        values += [*parts, sum(parts)]
    return values


def _review_docx(document: DocumentType, report: ReportOut) -> None:
    grid = officedoc.table(document, 4, [156.0 / 15] * 15)
    officedoc.write_cell(officedoc.cell(grid, 0, 0).merge(officedoc.cell(grid, 0, 4)), "行政复议")
    officedoc.write_cell(officedoc.cell(grid, 0, 5).merge(officedoc.cell(grid, 0, 14)), "行政诉讼")
    for col, text in enumerate(REVIEW_HEADS):
        officedoc.write_cell(officedoc.cell(grid, 1, col).merge(officedoc.cell(grid, 2, col)), text)
    officedoc.write_cell(officedoc.cell(grid, 1, 5).merge(officedoc.cell(grid, 1, 9)), "未经复议直接起诉")
    officedoc.write_cell(officedoc.cell(grid, 1, 10).merge(officedoc.cell(grid, 1, 14)), "复议后起诉")
    for col in range(5, 15):
        officedoc.write_cell(officedoc.cell(grid, 2, col), REVIEW_HEADS[(col - 5) % 5])
    for col, value in enumerate(review_values(report)):
        officedoc.write_cell(officedoc.cell(grid, 3, col), str(value))


def report_title(report: ReportOut) -> str:
    """``<机关>2026年政府信息公开工作年度报告``."""
    return f"{report.forms.organisation}{report.year}年政府信息公开工作年度报告"


def report_docx(report: ReportOut) -> bytes:
    """The whole annual report: the office's sections and section 三 from the register."""
    document = officedoc.official_document()
    officedoc.title(document, report_title(report))
    if report.status != "published":
        failing = [c.message for c in report.checks if not c.ok]
        officedoc.body(
            document, "（草稿，尚未标记发布" + ("；未核对一致：" + "；".join(failing) if failing else "") + "）"
        )
    officedoc.body(
        document,
        "本报告根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》编制，"
        f"所列数据的统计期限自{report.year}年1月1日起至{report.year}年12月31日止。",
    )
    officedoc.heading(document, "一、总体情况")
    officedoc.body(document, report.forms.overview)
    officedoc.heading(document, "二、主动公开政府信息情况")
    _proactive_docx(document, report)
    officedoc.heading(document, "三、收到和处理政府信息公开申请情况")
    _section3_docx(document, report.rows)
    officedoc.heading(document, "四、政府信息公开行政复议、行政诉讼情况")
    _review_docx(document, report)
    officedoc.heading(document, "五、存在的主要问题及改进情况")
    officedoc.body(document, report.forms.problems)
    officedoc.heading(document, "六、其他需要报告的事项")
    officedoc.body(document, report.forms.other)
    return officedoc.to_bytes(document)


# ----------------------------------------------------------------------------------------------- XLSX --

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _merge(sheet: Worksheet, cells: list[tuple[int, int, int, int, str]], *, top: int = 1) -> None:
    for first_row, first_col, last_row, last_col, text in cells:
        if (first_row, first_col) != (last_row, last_col):
            sheet.merge_cells(
                start_row=first_row + top, start_column=first_col + 1, end_row=last_row + top, end_column=last_col + 1
            )
        cell = xlsx_cell(sheet, first_row + top, first_col + 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="left" if first_col == 2 else "center")


def _section3_sheet(book: Workbook, report: ReportOut) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = "三、收到和处理申请情况"
    heading = xlsx_cell(sheet, 1, 1, f"{report_title(report)}：三、收到和处理政府信息公开申请情况")
    heading.font = Font(bold=True, size=12)
    top = 2
    _merge(sheet, header_layout(), top=top)
    _merge(sheet, [(a + HEADER_ROWS, b, c + HEADER_ROWS, d, t) for a, b, c, d, t in body_layout(report.rows)], top=top)
    for index, row in enumerate(report.rows):
        for offset, column in enumerate(COLUMNS):
            xlsx_cell(sheet, top + HEADER_ROWS + index, 4 + offset, getattr(row.values, column))
    for line in sheet.iter_rows(
        min_row=top, max_row=top + HEADER_ROWS + len(report.rows) - 1, max_col=3 + len(COLUMNS)
    ):
        for cell in line:
            cell.border = BOX
    for letter, width in zip("ABCDEFGHIJ", [10, 16, 40, *[10] * len(COLUMNS)], strict=True):
        sheet.column_dimensions[letter].width = width


def _rows_sheet(book: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    sheet = book.create_sheet(title)
    xlsx_append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        xlsx_append(sheet, row)


def _when(value: datetime | None) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


REGISTER_HEADER = (
    "登记号", "收到申请时间", "申请人类型", "申请人", "申请方式", "申请内容", "告知补正", "收到补正", "延期答复",
    "答复时间", "办理结果", "法定答复期限", "是否按期",
)  # fmt: skip


def register_row(entry: RequestOut) -> tuple[str, ...]:
    """One register entry as the workbook's line."""
    on_time = "" if entry.on_time is None else ("是" if entry.on_time else "否")
    return (
        entry.serial,
        _when(entry.received_at),
        entry.applicant_type_label,
        mask_name(entry.applicant_name) or "",
        entry.received_via_label,
        entry.information,
        _when(entry.correction_requested_at),
        _when(entry.correction_received_at),
        _when(entry.extended_at),
        _when(entry.answered_at),
        entry.outcome_label or "结转下年度",
        _when(entry.due_at),
        on_time,
    )


def report_xlsx(report: ReportOut, entries: Sequence[RequestOut]) -> bytes:
    """Section 三 laid out as in the format, sections 二 and 四, and the year's register."""
    book = Workbook()
    _section3_sheet(book, report)
    p = report.forms.proactive
    _rows_sheet(
        book,
        "二、主动公开",
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额（万元）"),
        [
            ("规章", p.rules_issued, p.rules_repealed, p.rules_in_force, None, None),
            ("行政规范性文件", p.normative_issued, p.normative_repealed, p.normative_in_force, None, None),
            ("行政许可", None, None, None, p.licensing, None),
            ("行政处罚", None, None, None, p.penalties, None),
            ("行政强制", None, None, None, p.coercion, None),
            ("行政事业性收费", None, None, None, None, p.fees),
        ],
    )
    values = review_values(report)
    _rows_sheet(
        book,
        "四、复议诉讼",
        ("", *REVIEW_HEADS),
        [("行政复议", *values[0:5]), ("未经复议直接起诉", *values[5:10]), ("复议后起诉", *values[10:15])],
    )
    _rows_sheet(book, "登记簿", REGISTER_HEADER, [register_row(e) for e in entries])
    return workbook_bytes(book)
