"""A post read from a JSON line (``muqing classify``, ``muqing eval --data``), its text fields checked."""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def post_row(line: str) -> tuple[dict[str, Any], str, str]:
    """The JSON object of ``line`` with its title and text; ``ValueError`` saying what is wrong and where."""
    row = json.loads(line)
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    title, text = _text_field(row, "title"), _text_field(row, "text")
    if not text.strip() and not title.strip():
        raise ValueError('"text" is missing or empty')
    return row, title, text


def _text_field(row: dict[str, Any], name: str) -> str:
    """``row[name]`` as text (missing or null is empty); ``ValueError`` naming the field and what is wrong."""
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f'"{name}" must be a string')
    found = _SURROGATE.search(value)
    if found:
        # JSON can escape half of a UTF-16 pair ("\ud83d" alone): no text can hold it, so nothing can analyse it.
        raise ValueError(
            f'"{name}" holds a lone surrogate U+{ord(found.group()):04X} at character {found.start()} '
            "(half of an emoji?)"
        )
    return value
