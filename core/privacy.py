"""Personal numbers in public posts: find phone and ID numbers and mask them wherever text is shown or sent.

The stored post keeps the original text (the system of record); every page, export, notification and
analysis output goes through :func:`mask_text` (or :func:`mask_value` for nested data). Masking is
idempotent: already masked numbers (``138****2716``) stay as they are.

Formats:
- mobile numbers (optionally +86, spaces or dashes between groups): ``138****2716`` (first 3, last 4);
- landline numbers with an area code (``0731-84512345``): ``0731-****2345`` (area code, last 4);
- resident ID numbers (18 digits with a final X, or the old 15 digits): ``4101**********2356``
  (first 4, last 4).
Short service numbers (12345, 12316, 110) are not personal and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_18 = re.compile(rf"(?<![0-9A-Za-z])\d{{6}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[0-9Xx](?![0-9A-Za-z])")
_ID_15 = re.compile(rf"(?<![0-9A-Za-z])\d{{6}}\d{{2}}{_DATE}\d{{3}}(?![0-9A-Za-z])")
_ID_MASKED = re.compile(r"(?<![0-9A-Za-z])\d{4}[*＊]{6,12}[0-9Xx]{3,4}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
_MOBILE_MASKED = re.compile(r"(?<![0-9])1[3-9]\d[*＊]{4}\d{4}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}[-－ ]?[2-9]\d{6,7}(?![0-9])")
_DIGITS = re.compile(r"\d")


def _mask_id(match: re.Match[str]) -> str:
    value = match.group(0)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def _mask_mobile(match: re.Match[str]) -> str:
    digits = "".join(_DIGITS.findall(match.group(0)))[-11:]
    return f"{digits[:3]}****{digits[-4:]}"


def _mask_landline(match: re.Match[str]) -> str:
    digits = "".join(_DIGITS.findall(match.group(0)))
    # Area codes 010 and 02x have three digits; the others (0731, 0571 …) four.
    area = 3 if digits[1] in "12" else 4
    return f"{digits[:area]}-****{digits[-4:]}"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_ID_18, _mask_id),
    (_ID_15, _mask_id),
    (_MOBILE, _mask_mobile),
    (_LANDLINE, _mask_landline),
)


def mask_text(text: str) -> str:
    """``text`` with every phone and ID number masked (idempotent; empty text stays empty)."""
    if not text or not _DIGITS.search(text):
        return text
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text


def mask_value(value: Any) -> Any:
    """A copy of ``value`` (str, list, tuple, dict, nested) with every string masked; other values as they are."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(item) for item in value)
    return value


def find_phones(text: str) -> list[str]:
    """The phone numbers in ``text``, masked, in order of appearance, without repeats."""
    found: list[tuple[int, str]] = []
    for match in _MOBILE.finditer(text):
        found.append((match.start(), _mask_mobile(match)))
    for match in _MOBILE_MASKED.finditer(text):
        found.append((match.start(), match.group(0).replace("＊", "*")))
    without_mobiles = _MOBILE.sub(lambda m: " " * len(m.group(0)), _ids_blanked(text))
    for match in _LANDLINE.finditer(without_mobiles):
        found.append((match.start(), _mask_landline(match)))
    return _ordered_unique(found)


def find_id_numbers(text: str) -> list[str]:
    """The resident ID numbers in ``text``, masked, in order of appearance, without repeats."""
    found: list[tuple[int, str]] = []
    for pattern in (_ID_18, _ID_15):
        found += [(m.start(), _mask_id(m)) for m in pattern.finditer(text)]
    found += [(m.start(), m.group(0).replace("＊", "*")) for m in _ID_MASKED.finditer(text)]
    return _ordered_unique(found)


def contains_personal_numbers(text: str) -> bool:
    """True when ``text`` holds an unmasked phone or ID number."""
    return mask_text(text) != text


def _ids_blanked(text: str) -> str:
    for pattern in (_ID_18, _ID_15):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _ordered_unique(found: list[tuple[int, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for _, value in sorted(found):
        seen.setdefault(value, None)
    return list(seen)
