"""The classifier's reasons marked in the post they came from (escaped HTML, one <mark> per occurrence)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape


def _spans(text: str, reasons: Iterable[dict[str, Any]]) -> list[tuple[int, int, dict[str, Any]]]:
    found: list[tuple[int, int, dict[str, Any]]] = []
    for reason in reasons:
        term = reason.get("term") if isinstance(reason, dict) else None
        if not isinstance(term, str) or len(term) < 2:
            continue
        start = text.find(term)
        while start >= 0:
            found.append((start, start + len(term), reason))
            start = text.find(term, start + len(term))
    # Longer terms first where two overlap, then left to right.
    found.sort(key=lambda span: (span[0], -(span[1] - span[0])))
    kept: list[tuple[int, int, dict[str, Any]]] = []
    for span in found:
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def highlight(text: str | None, reasons: Iterable[dict[str, Any]] | None) -> Markup:
    """``text`` with every occurrence of each reason's term marked; everything else escaped."""
    text = text or ""
    parts: list[Markup] = []
    position = 0
    for start, end, reason in _spans(text, reasons or ()):
        parts.append(escape(text[position:start]))
        label = reason.get("rule") or "研判依据"
        weight = reason.get("weight")
        title = f"{label}（权重 {weight:.2f}）" if isinstance(weight, int | float) else str(label)
        css = "reason rule" if reason.get("rule") else "reason"
        parts.append(Markup('<mark class="{}" title="{}">{}</mark>').format(css, title, text[start:end]))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
