"""The livestock lexicon (core/resources/lexicon.yaml) as fast matchers, and the severity rules.

Matching is plain substring matching on the raw text, longest term first, after every trap phrase has
been removed, exactly as the crawlers' relevance gate does it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.district.data import Lexicon as DistrictLexicon
from core.district.data import lexicon as district_lexicon

LEXICON_FILE = Path(__file__).resolve().parent.parent / "core" / "resources" / "lexicon.yaml"
RULES_FILE = Path(__file__).with_name("resources") / "severity_rules.yaml"
GROUPS = ("species", "husbandry", "disease", "slaughter", "product", "inputs", "admin")
SEVERITY_ORDER = {"一般": 0, "较大": 1, "重大": 2}


def _alternation(terms: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(term) for term in sorted(set(terms), key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Compiled matchers for each relevance group, the traps and the urgent terms."""

    groups: dict[str, re.Pattern[str]]
    any_group: re.Pattern[str]
    traps: re.Pattern[str]
    urgent: re.Pattern[str]
    version: str

    def without_traps(self, text: str) -> str:
        """``text`` with every trap phrase blanked out (so 化粪池 cannot count as livestock)."""
        return self.traps.sub("　", text)

    def hits(self, text: str) -> list[str]:
        """Livestock terms in ``text`` after trap removal, in order of appearance."""
        return self.any_group.findall(self.without_traps(text))

    def group_counts(self, text: str) -> dict[str, int]:
        """Hits per relevance group in ``text`` (traps removed first)."""
        clean = self.without_traps(text)
        return {name: len(pattern.findall(clean)) for name, pattern in self.groups.items()}

    def trap_hits(self, text: str) -> list[str]:
        """Trap phrases found in ``text``."""
        return self.traps.findall(text)


def lexicon() -> Lexicon:
    """The shared lexicon as the admin keeps it (core.district), compiled again only after a change."""
    return _compile(district_lexicon())


@lru_cache(maxsize=4)
def _compile(terms: DistrictLexicon) -> Lexicon:
    data = terms.as_dict()
    groups = {name: _alternation(list(data.get(name) or [])) for name in GROUPS}
    every = [term for name in GROUPS for term in data.get(name) or []]
    return Lexicon(
        groups=groups,
        any_group=_alternation(every),
        traps=_alternation(list(data.get("traps") or [])),
        urgent=_alternation(list(data.get("urgent") or [])),
        version=str(data.get("version", "")),
    )


@dataclass(frozen=True, slots=True)
class SeverityRule:
    """One explainable rule that can raise the severity of a post."""

    name: str
    label: str
    raise_to: str
    terms: re.Pattern[str]
    needs: int = 1
    with_any: re.Pattern[str] | None = None

    def fire(self, text: str) -> list[str]:
        """The terms that make the rule fire on ``text`` (empty when it does not)."""
        found = list(dict.fromkeys(self.terms.findall(text)))
        if len(found) < self.needs:
            return []
        if self.with_any is not None and not self.with_any.search(text):
            return []
        return found


@lru_cache(maxsize=1)
def severity_rules() -> tuple[SeverityRule, ...]:
    """The severity rules of ``resources/severity_rules.yaml``."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules: list[SeverityRule] = []
    for item in data.get("rules") or []:
        if item["raise_to"] not in SEVERITY_ORDER:
            raise ValueError(f"severity rule {item['name']}: unknown severity {item['raise_to']}")
        rules.append(
            SeverityRule(
                name=item["name"],
                label=item["label"],
                raise_to=item["raise_to"],
                terms=_alternation(list(item["terms"])),
                needs=int(item.get("needs", 1)),
                with_any=_alternation(list(item["with_any"])) if item.get("with_any") else None,
            )
        )
    return tuple(rules)


def apply_severity_rules(text: str, severity: str) -> tuple[str, list[dict[str, Any]]]:
    """Raise ``severity`` by the rules that fire on ``text``; returns the new severity and the rule reasons."""
    reasons: list[dict[str, Any]] = []
    for rule in severity_rules():
        found = rule.fire(text)
        if not found:
            continue
        reasons.append({"rule": rule.name, "label": rule.label, "terms": found, "raise_to": rule.raise_to})
        if SEVERITY_ORDER[rule.raise_to] > SEVERITY_ORDER[severity]:
            severity = rule.raise_to
    return severity, reasons
