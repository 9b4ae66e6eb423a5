"""A case's own deadlines beside an outside one (a 12345 work order's 处理时限): the stricter wins.

Kept apart from the deadline computation so both the first computation and every recomputation (severity
changed, calendar year entered, sent back) apply it the same way; our own deadlines are remembered in
``details.own_due`` so pages can show both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.timeutil import isoformat_local


def stricter_due(alert: Any, due: dict[str, datetime | None]) -> dict[str, datetime | None]:
    """``due`` with every deadline later than the alert's external one brought forward to it."""
    external: datetime | None = getattr(alert, "external_due", None)
    if external is None:
        return due
    alert.details = {**(alert.details or {}), "own_due": {name: isoformat_local(value) for name, value in due.items()}}
    return {name: external if value is None or value > external else value for name, value in due.items()}
