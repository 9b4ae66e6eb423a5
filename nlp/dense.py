"""The dense features of a post: lexicon groups, species, tone words, clause cues, and where a cue occurs.

Counted on the post with every other sense (places, idioms, slang …, see ``senses.py``) and every lexicon trap
blanked out; ``layout`` fingerprints their names and order so a model fitted on another layout is refused.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import yaml

from nlp import matters
from nlp.lexicon import GROUPS, LEXICON_FILE, lexicon
from nlp.senses import blank, other_senses, trie_pattern
from nlp.tokenize import RESOURCES

if TYPE_CHECKING:
    from nlp.features import Extracted, Span

_SPECIES = re.compile("[猪牛羊鸡鸭鹅禽畜兽犬狗]")
# How many clauses before and after an animal or farm a kind of trouble may be named (long sentences of
# real letters put them a few commas apart).
WINDOW = 2


@dataclass(frozen=True, slots=True)
class Cues:
    """Compiled clause cues: the subject pattern and one pattern per kind of trouble."""

    subject: re.Pattern[str]
    kinds: dict[str, re.Pattern[str]]


@lru_cache(maxsize=1)
def cues() -> Cues:
    """The clause cues of ``resources/cues.yaml``."""
    data = yaml.safe_load((RESOURCES / "cues.yaml").read_text(encoding="utf-8"))
    return Cues(subject=re.compile(data["subject"]), kinds={name: re.compile(rx) for name, rx in data["kinds"].items()})


@lru_cache(maxsize=1)
def tone() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The negative and positive tone words of ``resources/tone.yaml``."""
    data = yaml.safe_load((RESOURCES / "tone.yaml").read_text(encoding="utf-8"))
    return re.compile(trie_pattern(data["negative"])), re.compile(trie_pattern(data["positive"]))


@lru_cache(maxsize=1)
def _traps() -> re.Pattern[str]:
    # The shared lexicon's traps, lower-cased like the cleaned text, as one prefix-factored pattern.
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    terms = {term.lower() for term in data.get("traps") or []}
    first = "".join(sorted({re.escape(term[0]) for term in terms}))
    return re.compile(f"(?=[{first}]){trie_pattern(sorted(terms))}")


@lru_cache(maxsize=1)
def dense_names() -> tuple[str, ...]:
    """Names of the dense features, in order."""
    return (
        *(f"lexicon:{group}" for group in GROUPS),
        "lexicon:none",
        "species",
        "tone:negative",
        "tone:positive",
        *(f"cue:{kind}" for kind in cues().kinds),
        "cue:clauses",
        "cue:share",
        *matters.matter_names(),
    )


@lru_cache(maxsize=1)
def layout() -> str:
    """A fingerprint of the dense features' names and order: a model fitted on another layout cannot be used."""
    import hashlib

    return hashlib.sha256("\n".join(dense_names()).encode()).hexdigest()[:16]


def _merge(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans):
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end, merged[-1][2])
            continue
        merged.append((start, end, kind))
    return merged


def masked(cleaned: str) -> str:
    """The cleaned text with every other sense and every lexicon trap blanked out."""
    found = other_senses(cleaned)
    trapped = [(m.start(), m.end(), "traps") for m in _traps().finditer(cleaned)]
    return blank(cleaned, _merge([*found, *trapped]))


def values(masked: str, clause_starts: list[int]) -> list[float]:
    """The dense values (all but the matter features) of a masked post, in the order of ``dense_names``."""
    lex = lexicon()
    values: list[float] = []
    total = 0
    for group in GROUPS:
        hits = len(lex.groups[group].findall(masked))
        total += hits
        values.append(math.log1p(hits))
    values.append(1.0 if total == 0 else 0.0)
    values.append(math.log1p(len(_SPECIES.findall(masked))) / 2.0)
    negative, positive = tone()
    values += [math.log1p(len(negative.findall(masked))), math.log1p(len(positive.findall(masked)))]
    values += _clause_cues(masked, clause_starts)
    return values


def _subject_clauses(masked: str, starts: list[int]) -> dict[int, list[re.Match[str]]]:
    subjects: dict[int, list[re.Match[str]]] = {}
    for m in cues().subject.finditer(masked):
        subjects.setdefault(bisect_right(starts, m.start()) - 1, []).append(m)
    return subjects


def _paired(hit_clauses: list[int], subject_clauses: Iterable[int]) -> list[int]:
    """The subject clauses with a hit clause at most WINDOW clauses away (``hit_clauses`` sorted)."""
    paired = []
    for index in subject_clauses:
        k = bisect_left(hit_clauses, index - WINDOW)
        if k < len(hit_clauses) and hit_clauses[k] <= index + WINDOW:
            paired.append(index)
    return paired


def _clause_cues(masked: str, starts: list[int]) -> list[float]:
    cue = cues()
    if not starts:
        return [0.0] * (len(cue.kinds) + 2)
    subjects = _subject_clauses(masked, starts)
    ordered = sorted(subjects)
    values: list[float] = []
    for pattern in cue.kinds.values():
        if not ordered:
            values.append(0.0)
            continue
        hit_clauses = sorted({bisect_right(starts, m.start()) - 1 for m in pattern.finditer(masked)})
        values.append(math.log1p(len(_paired(hit_clauses, ordered))))
    return [*values, math.log1p(len(subjects)), len(subjects) / len(starts)]


def cue_spans(extracted: Extracted, kind: str) -> list[Span]:
    """Where a clause cue of ``kind`` pairs a subject with a kind of trouble in the masked post."""
    starts, masked = extracted.clause_starts, extracted.masked
    if not starts:
        return []
    subjects = _subject_clauses(masked, starts)
    matches = [(bisect_right(starts, m.start()) - 1, m) for m in cues().kinds[kind].finditer(masked)]
    paired = set(_paired(sorted({clause for clause, _ in matches}), sorted(subjects)))
    spans = [m.span() for index in paired for m in subjects[index]]
    spans += [m.span() for clause, m in matches if any(abs(clause - index) <= WINDOW for index in paired)]
    return spans
