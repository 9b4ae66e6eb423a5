"""Bounds on numbers that arrive from outside, so an absurd value is a 422 naming the field, never a 500.

Database ids are signed 64-bit integers on both backends: a larger id in a path, query or body used to
overflow the driver. Offsets and page numbers are bounded for the same reason, and years must lie where the
working-day calendar can compute (its holiday library and lunar dates).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator

INT64_MAX = 2**63 - 1
MAX_OFFSET = 10**9
# The years the working-day calendar computes: the lunar conversion's 清明 agrees with chinesecalendar's solar
# terms for all of them, and chinesecalendar computes solar terms no further than 2100.
FIRST_YEAR = 1900
LAST_YEAR = 2099
# A time limit of 10,000 units (minutes to working days) is already past any real policy.
MAX_LIMIT_AMOUNT = 10_000
# A count a person types into a report form (cases, rulings, documents in a year).
MAX_COUNT = 10**9
# Routing rule priorities are stored in a 32-bit column.
MAX_PRIORITY = 1_000_000

RowId = Annotated[int, Interval(ge=1, le=INT64_MAX)]
"""A database id (primary key) given by a client."""

AfterId = Annotated[int, Interval(ge=0, le=INT64_MAX)]
"""A cursor: the last id a client has seen (0 for none)."""

Offset = Annotated[int, Interval(ge=0, le=MAX_OFFSET)]
"""How many rows to skip."""

Year = Annotated[int, Interval(ge=FIRST_YEAR, le=LAST_YEAR)]
"""A calendar year the working-day calendar can compute."""


def _in_calendar(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"年份须在 {FIRST_YEAR}–{LAST_YEAR} 之间（工作日日历可计算的范围）")
    return value


CalendarDate = Annotated[date, AfterValidator(_in_calendar)]
"""A date inside the years the working-day calendar can compute."""

CalendarDateTime = Annotated[datetime, AfterValidator(_in_calendar)]
"""A moment inside the years the working-day calendar can compute."""

# Request bodies (FastAPI's per-route ``max_body_size``): the multipart framing around a file is below this.
UPLOAD_MARGIN = 1024 * 1024
IMPORT_MAX_BYTES = 50 * 1024 * 1024
IMPORT_BODY_LIMIT = IMPORT_MAX_BYTES + UPLOAD_MARGIN
"""The body limit of a route taking a work-order or register import file."""


def attachment_body_limit(files: int = 1) -> int:
    """The request body limit of a route taking up to ``files`` case attachments."""
    from core.config import get_settings

    return files * get_settings().attachment_max_bytes + UPLOAD_MARGIN
