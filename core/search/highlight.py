"""Highlighted snippets, computed from the original text the same way for both backends.

The index matches on jieba tokens, but users read the original text: so the matched tokens are marked in
the original title and content here, rather than by the engine on its token field.
Output is HTML-escaped text in which only ``<mark>`` and ``</mark>`` are markup.
"""

from __future__ import annotations

import html
import re

from core.traditional import to_simplified

SNIPPET_CHARS = 120
LEAD_CHARS = 20
ELLIPSIS = "…"


def _patterns(tokens: list[str]) -> list[re.Pattern[str]]:
    # One pattern per word: words may overlap (养猪, 猪场 in 养猪场) and each must be found.
    return [re.compile(re.escape(word), re.IGNORECASE) for word in dict.fromkeys(t for t in tokens if t.strip())]


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    position = 0
    for start, end in spans:
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def _spans(patterns: list[re.Pattern[str]], text: str) -> list[tuple[int, int]]:
    # Tokens are simplified (a query for 养猪场 matches 養豬場); the mapping keeps length, so spans are the original's.
    folded = to_simplified(text)
    found = sorted(match.span() for pattern in patterns for match in pattern.finditer(folded))
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, tokens: list[str]) -> str:
    """The whole ``text``, escaped, with every query token marked."""
    return _marked(text, _spans(_patterns(tokens), text))


def snippet(text: str, tokens: list[str], *, width: int = SNIPPET_CHARS) -> str:
    """A window of about ``width`` characters around the densest run of matches, escaped and marked."""
    text = " ".join(text.split())
    spans = _spans(_patterns(tokens), text)
    if len(text) <= width:
        return _marked(text, spans)
    start = 0
    if spans:
        best = max(
            range(len(spans)),
            key=lambda i: sum(1 for s, _ in spans if spans[i][0] - LEAD_CHARS <= s < spans[i][0] - LEAD_CHARS + width),
        )
        start = max(0, min(spans[best][0] - LEAD_CHARS, len(text) - width))
    end = min(len(text), start + width)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    body = _marked(text[start:end], inside)
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text) else "")
