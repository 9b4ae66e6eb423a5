"""Reading a work-order file, CSV (UTF-8 or GBK) or XLSX (bounded before it is unpacked), into numbered rows."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from core.errors import InvalidInput
from core.textfiles import decode_local_text

# An XLSX is a zip of XML: what it unpacks to is bounded before anything parses it (zip bombs).
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
MAX_XLSX_RATIO = 200


class BrokenFile(InvalidInput):
    """The file stops being readable after ``row`` (the rows before it were read)."""

    def __init__(self, message: str, *, row: int):
        super().__init__(message, details={"field": "file", "row": row})
        self.row = row


def read_rows(data: bytes, *, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, column → text) for each data row of a CSV or XLSX file; the header is row 1."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        yield from _xlsx_rows(data)
        return
    text = decode_local_text(data)
    if text is None:
        raise InvalidInput("文件既不是 UTF-8 也不是 GBK 编码的 CSV", details={"field": "file"})
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise InvalidInput("CSV 文件没有表头", details={"field": "file"})
    header = [column.strip() for column in header]
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        yield number, {column: (values[i] if i < len(values) else "") for i, column in enumerate(header)}


def check_xlsx_size(data: bytes) -> None:
    """Refuse a workbook whose parts would unpack past the limits (checked from the zip directory only)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidInput(f"不是有效的 XLSX 文件（无法按 zip 打开）：{exc}", details={"field": "file"}) from exc
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_XLSX_UNPACKED:
        raise InvalidInput(
            f"XLSX 文件解压后达 {unpacked // 1024 // 1024} MB，超过上限 {MAX_XLSX_UNPACKED // 1024 // 1024} MB",
            details={"field": "file"},
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            raise InvalidInput(
                f"XLSX 文件中的 {member.filename} 压缩比异常（{member.file_size // max(member.compress_size, 1)} 倍），"
                "疑似压缩炸弹，已拒绝",
                details={"field": "file"},
            )


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    check_xlsx_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise InvalidInput(f"无法读取 XLSX 文件：{exc}", details={"field": "file"}) from exc
    try:
        yield from _sheet_rows(workbook.worksheets[0])
    finally:
        workbook.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, dict[str, str]]]:
    rows = sheet.iter_rows(values_only=True)
    number = 1
    try:
        header_row = next(rows, None)
        if not header_row:
            raise InvalidInput("XLSX 文件第一张表没有表头", details={"field": "file"})
        header = [str(cell).strip() if cell is not None else "" for cell in header_row]
        for number, values in enumerate(rows, start=2):
            cells = ["" if value is None else _cell_text(value) for value in values]
            if not any(cell.strip() for cell in cells):
                continue
            yield number, {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(header) if column}
    except InvalidInput:
        raise
    except Exception as exc:  # a damaged part surfaces only when the reader reaches it, as any of many types
        message = f"XLSX 文件在第 {number} 行之后损坏，无法继续读取：{type(exc).__name__}"
        raise BrokenFile(message, row=number + 1) from exc


def _cell_text(value: Any) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
