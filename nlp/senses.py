"""Livestock words used in another sense: idioms, slang, dishes, brands, people's vaccines, places, shops, names.

``resources/other_senses.yaml`` lists phrases and patterns by section. ``other_senses(text)`` finds their
spans in cleaned text; ``blank(text, spans)`` puts a space-like mark in their place (same length), so the
livestock cues counted afterwards only see animals that are animals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SENSES_FILE = Path(__file__).with_name("resources") / "other_senses.yaml"
BLANK = "\u3000"


@dataclass(frozen=True, slots=True)
class Senses:
    """One compiled matcher per section (phrases and patterns of a section share it)."""

    sections: tuple[str, ...]
    matcher: re.Pattern[str]
    phrase_sections: dict[str, str]


def trie_pattern(phrases: list[str]) -> str:
    """One regular expression for many literal phrases, factored by common prefixes (much faster than a flat
    alternation in Python's engine); longer phrases win over their prefixes."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


@lru_cache(maxsize=1)
def senses() -> Senses:
    """The compiled other-sense matcher (one alternation with a named group per section)."""
    data = yaml.safe_load(SENSES_FILE.read_text(encoding="utf-8"))
    phrase_sections = {p.lower(): section for section, items in data["phrases"].items() for p in items}
    patterns = {section: "|".join(items) for section, items in data["patterns"].items()}
    sections = (*data["phrases"], *patterns)
    # One trie over every phrase; every pattern starts with a character of ``pattern_start``, so a
    # look-ahead lets most positions fail at once.
    shaped = "|".join(f"(?P<{name}>{rx})" for name, rx in patterns.items())
    first = "".join(sorted({re.escape(p[0]) for p in phrase_sections}))
    pattern = f"(?=[{first}])(?P<phrase>{trie_pattern(list(phrase_sections))})|(?={data['pattern_start']})(?:{shaped})"
    return Senses(sections=sections, matcher=re.compile(pattern), phrase_sections=phrase_sections)


def other_senses(text: str) -> list[tuple[int, int, str]]:
    """(start, end, section) of every livestock word used in another sense in cleaned ``text``."""
    found = senses()
    return [
        (m.start(), m.end(), found.phrase_sections[m.group()] if m.lastgroup == "phrase" else m.lastgroup or "")
        for m in found.matcher.finditer(text)
    ]


def blank(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced by marks of the same length."""
    if not spans:
        return text
    parts: list[str] = []
    position = 0
    for start, end, _ in spans:
        parts.append(text[position:start])
        parts.append(BLANK * (end - start))
        position = end
    parts.append(text[position:])
    return "".join(parts)
