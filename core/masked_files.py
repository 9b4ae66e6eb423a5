"""Files that leave the system (XLSX, DOCX, CSV exports) carry personal data masked by the one policy.

Every exporter saves through these helpers, so a report, a register or a work-order return file never holds
a full phone or ID number, a name beside one, or a house number (see ``core.privacy``).
"""

from __future__ import annotations

import io
from typing import Any

from core.cells import csv_cell
from core.privacy import mask_text


def mask_workbook(book: Any) -> None:
    """Mask every text cell of an openpyxl workbook in place (links, numbers and dates are left as they are)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "f":
                    masked = mask_text(cell.value)
                    if masked != cell.value:
                        cell.value = masked
                        # openpyxl reads an assigned "=…" as a formula: a text cell stays text (formula injection).
                        cell.data_type = "s"


def workbook_bytes(book: Any) -> bytes:
    """The workbook as .xlsx bytes, masked."""
    mask_workbook(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _paragraphs(document: Any) -> Any:
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def mask_document(document: Any) -> None:
    """Mask the text of every run of a python-docx document in place (body and tables; footers hold page numbers)."""
    for paragraph in _paragraphs(document):
        for run in paragraph.runs:
            if run.text:
                masked = mask_text(run.text)
                if masked != run.text:
                    run.text = masked


def document_bytes(document: Any) -> bytes:
    """The document as .docx bytes, masked."""
    mask_document(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export_cell(value: Any) -> Any:
    """A CSV (or JSON lines) export value: masked, and safe from formula injection."""
    return csv_cell(mask_text(value)) if isinstance(value, str) else value
