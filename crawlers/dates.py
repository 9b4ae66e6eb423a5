"""Reading publication times as printed on Chinese pages into aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_ABSOLUTE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)


def parse_published(text: str | None, *, zone: ZoneInfo) -> datetime | None:
    """An absolute Chinese or ISO date in ``text`` as UTC, or None when none can be read."""
    if not text:
        return None
    match = _ABSOLUTE.search(text)
    if not match:
        return None
    parts = {key: int(value) for key, value in match.groupdict().items() if value is not None}
    try:
        local = datetime(
            parts["y"], parts["m"], parts["d"], parts.get("H", 0), parts.get("M", 0), parts.get("S", 0), tzinfo=zone
        )
    except ValueError:
        return None
    return local.astimezone(UTC)
