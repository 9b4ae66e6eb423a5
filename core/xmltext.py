"""Text that XML 1.0 can hold: the one rule for every DOCX and XLSX export, and for free text coming in.

Word and Excel files are XML, and XML 1.0 has no place for most C0 control characters (U+0000-U+0008,
U+000B, U+000C, U+000E-U+001F), for lone surrogates or for U+FFFE/U+FFFF. python-docx refuses such text
with ``ValueError`` and openpyxl with ``IllegalCharacterError``, so one stray character in a crawled page or
an old row would turn an export into a server error. Exports pass their text through :func:`xml_text`
(``core.officedoc`` for Word, ``core.cells`` for workbooks); forms refuse it at the door
(:func:`refuse_control_characters`).
"""

from __future__ import annotations

import re

# Vertical tab and form feed stand for a line or page break in text pasted from Word: keep the break.
_BREAKS = re.compile("[\x0b\x0c]")
_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Input refuses DEL too: legal in XML, but never typed on purpose.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (VT and FF become line breaks); the rest kept."""
    if not _NOT_XML.search(value):
        return value
    return _ILLEGAL.sub("", _BREAKS.sub("\n", value))


def xml_value(value: object) -> object:
    """``xml_text`` for text; any other value (number, date, ``None``) as it is."""
    return xml_text(value) if isinstance(value, str) else value


def refuse_control_characters(value: str) -> str:
    """``value`` as it is, or ``ValueError`` when it holds a control character (tab and line breaks are fine)."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"含有不可见的控制字符（U+{ord(found.group()):04X}），请删除后再保存")
    return value
