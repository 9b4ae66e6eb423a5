"""Choosing the right charset for a page, above all the GBK family of Chinese government sites.

Browsers read every label of the GB family (gb2312, gbk, x-gbk, gb18030) as GB18030, which decodes
characters a strict GB2312 or GBK decoder loses (喆 under a gb2312 label, 𠮷, •). Pages that declare
nothing are tried as strict UTF-8, then GB18030; a page whose declaration is wrong (GBK bytes declared
as UTF-8) is re-decoded and the fact is counted, never stored as mojibake or U+FFFD.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "gb18030", "gb_2312-80", "cp936", "ms936", "euc-cn", "hz-gb-2312", "csgb2312"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(frozen=True, slots=True)
class Decision:
    """The charset to decode a page with, and how it was found."""

    encoding: str
    how: str  # "source", "bom", "header", "meta", "detected", "redecoded"
    declared: str | None = None


def normalise_label(label: str | None) -> str | None:
    """A Python codec name for a charset label; every GB label becomes gb18030; None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    if label in ("big5", "big5-hkscs", "cp950"):
        return "big5hkscs"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    """The charset named in a Content-Type header value."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset declared by a ``<meta>`` tag in the first 4 KiB of a page."""
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _decodes(body: bytes, encoding: str) -> bool:
    # final=False: a page cut off inside a multi-byte character still counts as that encoding.
    try:
        codecs.getincrementaldecoder(encoding)().decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _is_utf8_text(body: bytes) -> bool:
    return not body.isascii() and _decodes(body, "utf-8")


def choose_encoding(body: bytes, *, content_type: str | None, source_encoding: str = "auto") -> Decision:
    """The charset of ``body``: the source's own setting, then BOM, header, meta, then detection."""
    forced = normalise_label(source_encoding) if source_encoding and source_encoding != "auto" else None
    if forced:
        return Decision(forced, "source", source_encoding)
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decision(encoding, "bom")
    declared_label = header_charset(content_type)
    how = "header"
    if normalise_label(declared_label) is None:
        declared_label, how = meta_charset(body), "meta"
    declared = normalise_label(declared_label)
    if declared is not None:
        if declared != "utf-8" and _is_utf8_text(body):
            # Multi-byte text that is valid UTF-8 is almost never GBK or Big5 by chance.
            return Decision("utf-8", "redecoded", declared_label)
        if _decodes(body, declared):
            return Decision(declared, how, declared_label)
        return Decision(_detect(body, exclude=declared), "redecoded", declared_label)
    return Decision(_detect(body), "detected")


def _detect(body: bytes, *, exclude: str | None = None) -> str:
    for candidate in ("utf-8", "gb18030", "big5hkscs"):
        if candidate != exclude and _decodes(body, candidate):
            return candidate
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    if best is not None and best.encoding:
        return normalise_label(best.encoding) or best.encoding
    return exclude or "utf-8"
