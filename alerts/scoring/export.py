"""Score sheets as a workbook (summary and every point's case) and as a Word document for the assessment."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font

from alerts.scoring.schemas import ITEMS, SheetsOut
from core import officedoc
from core.cells import xlsx_append
from core.masked_files import workbook_bytes
from core.timeutil import to_local

SUMMARY_HEADER = (
    "科室",
    "基础分",
    *(f"{spec.label}（{'扣' if spec.direction == 'deduct' else '加'}）" for spec in ITEMS.values()),
    "扣分合计",
    "加分合计",
    "得分",
)
DETAIL_HEADER = ("科室", "考核项", "分值", "预警编号", "预警标题", "事件时间", "链接")


def _points(value: float) -> str:
    return f"{value:g}"


def summary_rows(out: SheetsOut) -> list[tuple[str, ...]]:
    """One line per section: base, each item's points after its cap, deductions, additions, score."""
    return [
        (
            sheet.section.name,
            _points(sheet.base),
            *(f"{_points(item.points)}（{item.count}次）" for item in sheet.items),
            _points(sheet.deductions),
            _points(sheet.additions),
            _points(sheet.total),
        )
        for sheet in out.sheets
    ]


def detail_rows(out: SheetsOut, *, base_url: str = "") -> list[tuple[str, ...]]:
    """Every counted event: the section, the item, its points each, and the case it leads to."""
    rows: list[tuple[str, ...]] = []
    for sheet in out.sheets:
        for item in sheet.items:
            sign = "-" if item.direction == "deduct" else "+"
            for evidence in item.evidence:
                local = to_local(evidence.at)
                rows.append(
                    (
                        sheet.section.name,
                        item.label,
                        f"{sign}{_points(item.points_each)}",
                        f"#{evidence.alert_id}",
                        evidence.title,
                        local.strftime("%Y-%m-%d %H:%M") if local else "",
                        f"{base_url}{evidence.url}",
                    )
                )
    return rows


def _note(out: SheetsOut) -> str:
    state = "已发布（结果已固定）" if out.status == "published" else "未发布（按现行细则计算）"
    version = f"赋分细则第{out.policy_version}版" if out.policy_version else "默认赋分细则"
    return f"考核期间：{out.label}；{version}；{state}"


def sheets_xlsx(out: SheetsOut, *, base_url: str = "") -> bytes:
    """Summary sheet and detail sheet; every detail line names its case and links to it."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "得分汇总"
    xlsx_append(summary, [f"{out.label}各科室考核赋分表"])
    xlsx_append(summary, [_note(out)])
    xlsx_append(summary, SUMMARY_HEADER)
    for row in summary_rows(out):
        xlsx_append(summary, row)
    summary["A1"].font = Font(bold=True, size=13)
    details = book.create_sheet("赋分明细")
    xlsx_append(details, DETAIL_HEADER)
    for row in detail_rows(out, base_url=base_url):
        xlsx_append(details, row)
        link = details.cell(details.max_row, len(DETAIL_HEADER))
        link.hyperlink = row[-1]
    for sheet in (summary, details):
        for cell in sheet[3 if sheet is summary else 1]:
            cell.font = Font(bold=True)
    return workbook_bytes(book)


def sheets_docx(out: SheetsOut, *, base_url: str = "") -> bytes:
    """The sheets as an official-looking document: summary table, then each section's points and cases."""
    document = officedoc.official_document()
    officedoc.title(document, f"{out.label}各科室考核赋分表")
    officedoc.body(document, _note(out))
    officedoc.heading(document, "一、得分汇总")
    header = ("科室", "基础分", "扣分", "加分", "得分")
    grid = officedoc.table(document, len(out.sheets) + 1, [52.0, 26.0, 26.0, 26.0, 26.0])
    for col, text in enumerate(header):
        officedoc.write_cell(officedoc.cell(grid, 0, col), text, size=officedoc.SIZE_5, bold=True)
    for index, sheet in enumerate(out.sheets, start=1):
        values = [
            sheet.section.name,
            *(_points(v) for v in (sheet.base, sheet.deductions, sheet.additions, sheet.total)),
        ]
        for col, text in enumerate(values):
            officedoc.write_cell(officedoc.cell(grid, index, col), text, size=officedoc.SIZE_5)
    officedoc.heading(document, "二、赋分明细")
    rows = detail_rows(out, base_url=base_url)
    if not rows:
        officedoc.body(document, "本期无扣分、加分事项。")
        return officedoc.to_bytes(document)
    widths = [22.0, 20.0, 12.0, 16.0, 50.0, 36.0]
    grid = officedoc.table(document, len(rows) + 1, widths)
    for col, text in enumerate(DETAIL_HEADER[:-1]):
        officedoc.write_cell(officedoc.cell(grid, 0, col), text, bold=True)
    for index, row in enumerate(rows, start=1):
        for col, text in enumerate(row[:-1]):
            officedoc.write_cell(officedoc.cell(grid, index, col), text, left=col == 4)
    return officedoc.to_bytes(document)
