"""Import a register (CSV or XLSX) with a column mapping: each good row becomes a request; bad rows are listed
with their row number (the header is row 1) and the field that was wrong. Bounded in size and rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook

from alerts.disclosure.format import CARRIED_OVER
from core.errors import InvalidInput
from core.textfiles import decode_local_text
from core.timeutil import local_zone

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Which headers a field is read from unless the mapping names another column (the first non-empty wins).
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "received_at": ("收到申请时间", "收到时间", "申请时间", "received_at"),
    "applicant_type": ("申请人类型", "applicant_type"),
    "applicant_name": ("申请人", "申请人姓名或名称", "applicant_name"),
    "applicant_contact": ("联系方式", "applicant_contact"),
    "received_via": ("申请方式", "收到方式", "received_via"),
    "information": ("申请内容", "申请公开的政府信息", "information"),
    "title": ("标题", "title"),
    "correction_requested_at": ("告知补正时间", "correction_requested_at"),
    "correction_received_at": ("收到补正时间", "correction_received_at"),
    "extended_at": ("延期时间", "延期答复时间", "extended_at"),
    "answered_at": ("答复时间", "答复日期", "answered_at"),
    "outcome": ("办理结果", "outcome"),
    "reason": ("理由", "办理结果理由", "reason"),
    "answer_note": ("备注", "answer_note"),
}
FIELD_LABELS = {
    "received_at": "收到申请时间",
    "applicant_type": "申请人类型",
    "applicant_name": "申请人",
    "applicant_contact": "联系方式",
    "received_via": "申请方式",
    "information": "申请内容",
    "title": "标题",
    "correction_requested_at": "告知补正时间",
    "correction_received_at": "收到补正时间",
    "extended_at": "延期时间",
    "answered_at": "答复时间",
    "outcome": "办理结果",
    "reason": "理由",
    "answer_note": "备注",
}
DATE_FIELDS = ("received_at", "correction_requested_at", "correction_received_at", "extended_at", "answered_at")


def columns_for(overrides: Mapping[str, str] | None) -> dict[str, tuple[str, ...]]:
    """The default columns with the overrides (field → header) of this import; unknown fields refused."""
    columns = dict(DEFAULT_COLUMNS)
    for field, header in (overrides or {}).items():
        if field not in DEFAULT_COLUMNS:
            raise InvalidInput(f"列映射中的字段「{field}」无效", details={"field": f"mapping.{field}"})
        if str(header).strip():
            columns[field] = (str(header).strip(),)
    return columns


def read_table(data: bytes, *, filename: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, header → cell) for each data row; the size and row count are bounded."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB", details={"field": "file"})
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        rows = _xlsx(data)
    elif name.endswith(".csv"):
        rows = _csv(data)
    else:
        raise InvalidInput("只能导入 CSV 或 XLSX 文件", details={"field": "file"})
    header: list[str] | None = None
    for number, cells in enumerate(rows, start=1):
        if header is None:
            header = [str(c or "").strip() for c in cells]
            continue
        if number - 1 > MAX_ROWS:
            raise InvalidInput(f"文件超过 {MAX_ROWS} 行，请分批导入", details={"field": "file"})
        if all(c in (None, "") for c in cells):
            continue
        yield number, {h: cells[i] if i < len(cells) else None for i, h in enumerate(header) if h}
    if header is None:
        raise InvalidInput("文件是空的", details={"field": "file"})


def _csv(data: bytes) -> Iterator[list[Any]]:
    text = decode_local_text(data)
    if text is None:
        raise InvalidInput("CSV 文件编码无法识别（应为 UTF-8 或 GB18030）", details={"field": "file"})
    yield from csv.reader(io.StringIO(text))


def _xlsx(data: bytes) -> Iterator[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file; the user needs one message
        raise InvalidInput(f"无法读取 XLSX 文件：{type(exc).__name__}", details={"field": "file"}) from exc
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def _date(value: Any, field: str) -> datetime | None:
    """A cell as an aware time; a bare date is the start of the day's work for the receipt, its end otherwise."""
    if value in (None, ""):
        return None
    at = time(9, 0) if field == "received_at" else time(17, 30)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=local_zone())
    if isinstance(value, date):
        return datetime.combine(value, at, local_zone())
    text = re.sub(r"[年月/.]", "-", str(value).strip()).replace("日", "").replace("T", " ")
    try:
        parsed = datetime.fromisoformat(text) if ":" in text else datetime.combine(date.fromisoformat(_pad(text)), at)
    except ValueError as exc:
        message = f"{FIELD_LABELS[field]}「{value}」不是日期（应如 2025-03-02）"
        raise InvalidInput(message, details={"field": field}) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local_zone())


def _pad(text: str) -> str:
    parts = text.strip("-").split("-")
    return "-".join([parts[0], *(part.zfill(2) for part in parts[1:])])


def row_fields(cells: Mapping[str, Any], columns: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """A row as the register's fields (dates parsed; 结转下年度 means not answered yet)."""
    fields: dict[str, Any] = {}
    for field, headers in columns.items():
        value = next((cells[h] for h in headers if cells.get(h) not in (None, "")), None)
        if field in DATE_FIELDS:
            fields[field] = _date(value, field)
        elif value is not None:
            fields[field] = str(value).strip()
    outcome = str(fields.get("outcome") or "")
    if outcome == CARRIED_OVER:
        fields.pop("outcome")
    elif "：" in outcome or ":" in outcome:
        head, _, tail = outcome.replace(":", "：").partition("：")
        fields["outcome"] = head.strip()
        fields.setdefault("reason", tail.strip())
    return {k: v for k, v in fields.items() if v is not None}
