"""Spreadsheet cells from user text: a cell that starts like a formula is neutralised (formula injection).

Excel, WPS and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also after a tab or a
carriage return) as a formula, so a post titled ``=HYPERLINK(...)`` would become a live link or worse in a
report someone opens. CSV cells get a leading apostrophe (the spreadsheet shows the text as typed);
XLSX cells are written as text, never as formulas.

Every workbook cell an exporter fills goes through :func:`xlsx_append` or :func:`xlsx_cell`, which also drop
the characters XML cannot hold (``core.xmltext``): openpyxl refuses them, and a stray control character in
a crawled title must not turn an export into a server error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.xmltext import xml_value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """``value`` safe for a CSV cell: formula-like text gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def xlsx_text_cells(cells: Any) -> None:
    """Make every formula-like text cell of ``cells`` (openpyxl cells) a plain text cell."""
    for cell in cells:
        if is_formula_like(cell.value) or cell.data_type == "f":
            cell.data_type = "s"


def xlsx_append(sheet: Any, values: Iterable[object]) -> None:
    """Append ``values`` as the next row of an openpyxl sheet: XML-safe, formula-like text kept as text."""
    sheet.append([xml_value(value) for value in values])
    xlsx_text_cells(sheet[sheet.max_row])


def xlsx_cell(sheet: Any, row: int, column: int, value: object) -> Any:
    """Write ``value`` to the sheet's cell (1-based), XML-safe and never a formula; returns the cell."""
    cell = sheet.cell(row, column, xml_value(value))
    xlsx_text_cells([cell])
    return cell
