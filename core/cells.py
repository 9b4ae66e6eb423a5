"""Spreadsheet cells from user text: a cell that starts like a formula is neutralised (formula injection).

Excel, WPS and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also after a tab or a
carriage return) as a formula, so a post titled ``=HYPERLINK(...)`` would become a live link or worse in a
report someone opens. CSV cells get a leading apostrophe (the spreadsheet shows the text as typed);
XLSX cells are written as text, never as formulas.
"""

from __future__ import annotations

from typing import Any

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
