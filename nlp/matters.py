"""Whose matter is it: sentence-level evidence of a livestock subject tied to a problem the center owns.

A real letter raises one matter or several, at length or in a few words, and its livestock words may sit
inside another office's matter (a pigsty pulled down for a road, stolen sheep, dead animals among the
rubbish of a river). Counting livestock words over the whole letter cannot tell these apart; what can is
which words meet in one sentence. ``resources/matters.yaml`` lists, as plain terms:

- subjects: animals, dogs, farms, meat and eggs, feed and vet drugs, the slaughter and livestock trade,
  the center and its staff;
- problems the center owns (odour, waste, water, disease, death, slaughtering, quality, money, permits,
  livestock rules, prices, staff …), grouped by the category they point to;
- other offices' matters (demolition and land projects, police, rubbish, street trading, pets,
  catering, industry, people's health, fraud, fish and bees, crops and forests, housing estates, water
  supply, village cadres, schools, banks).

A post (title and text together) is cut into sentences (long ones into pieces of a few clauses); each
sentence gets the set of subjects, owned problems and other matters it names. The features are, per
post: how many sentences tie each subject to each group of owned problems, each owned problem to any
subject, each other matter to a subject; how many sentences are "ours and only ours", "ours mixed with
another office's matter", "livestock inside another office's matter" and "a bare livestock word"; and
what share of the whole letter each other office's matter fills. A letter about a farm's waste water
with a road and a street light beside it keeps its evidence; a letter about a demolition that tells of
its pigs at length is marked as a demolition letter.

Everything is found on the masked text (other senses and lexicon traps blanked out, ``features.py``), so
鸡 in 鸡西 or a 叫花鸡 shop is not an animal here.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from nlp.senses import trie_pattern
from nlp.tokenize import RESOURCES

MATTERS_FILE = RESOURCES / "matters.yaml"
# Sentence ends in cleaned text (full-width ！？； are half-width there).
_SENTENCE_END = re.compile(r"[。!?;\n…]+")
_CLAUSE_END = re.compile(r"[,，、:：]")
# A sentence longer than this is cut into pieces of about PIECE characters at clause marks: real letters
# run whole paragraphs together with commas.
LONG = 60
PETS = frozenset({"dog", "pet"})
PIECE = 40


@dataclass(frozen=True, slots=True)
class MatterTerms:
    """The compiled terms: one matcher over every term, and the kinds each term stands for."""

    matcher: re.Pattern[str]
    kinds: dict[str, frozenset[str]]
    subjects: tuple[str, ...]
    owned: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    foreign: tuple[str, ...]
    # Precomputed per term and per owned kind so that ``find`` and ``values`` (run on every post) only look up:
    # the term's kinds split by section (subject, owned, foreign names), and the groups of each owned kind.
    split: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = field(default_factory=dict)
    group_of: dict[str, tuple[str, ...]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def matter_terms() -> MatterTerms:
    """The terms of ``resources/matters.yaml``; a term stands for every kind whose term it contains."""
    data = yaml.safe_load(MATTERS_FILE.read_text(encoding="utf-8"))
    by_kind: dict[str, list[str]] = {}
    for section, prefix in (("subjects", "s"), ("owned", "o"), ("foreign", "f")):
        for kind, terms in data[section].items():
            by_kind[f"{prefix}:{kind}"] = [str(term).lower() for term in terms]
    every = sorted({term for terms in by_kind.values() for term in terms})
    kinds = {
        term: frozenset(kind for kind, terms in by_kind.items() if any(t in term for t in terms)) for term in every
    }
    first = "".join(sorted({re.escape(term[0]) for term in every}))
    groups = {name: tuple(kinds_) for name, kinds_ in data["groups"].items()}
    owned = tuple(data["owned"])

    def names(term: str, prefix: str) -> frozenset[str]:
        return frozenset(kind.partition(":")[2] for kind in kinds[term] if kind.startswith(prefix))

    return MatterTerms(
        matcher=re.compile(f"(?=[{first}]){trie_pattern(every)}"),
        kinds=kinds,
        subjects=tuple(data["subjects"]),
        owned=owned,
        groups=groups,
        foreign=tuple(data["foreign"]),
        split={term: (names(term, "s:"), names(term, "o:"), names(term, "f:")) for term in every},
        group_of={kind: tuple(g for g, kinds_ in groups.items() if kind in kinds_) for kind in owned},
    )


@lru_cache(maxsize=1)
def matter_names() -> tuple[str, ...]:
    """Names of the matter features, in order."""
    terms = matter_terms()
    return (
        *(f"matter:pair:{s}:{g}" for s in terms.subjects for g in terms.groups),
        *(f"matter:owned:{o}" for o in terms.owned),
        *(f"matter:beside:{f}" for f in terms.foreign),
        *(f"matter:topic:{f}" for f in terms.foreign),
        "matter:ours",
        "matter:mixed",
        "matter:inside_other",
        "matter:bare",
        "matter:ours_share",
        "matter:inside_other_share",
        "matter:subject_share",
        "matter:focus",
        "matter:diffuse",
        "matter:sentences",
    )


@dataclass(slots=True)
class Sentence:
    """The kinds named in one sentence (or piece of a long sentence)."""

    start: int
    subjects: set[str] = field(default_factory=set)
    owned: set[str] = field(default_factory=set)
    foreign: set[str] = field(default_factory=set)


@dataclass(slots=True)
class MatterHits:
    """Every term found, with its sentence, and the kinds per sentence."""

    hits: list[tuple[int, int, frozenset[str], int]]
    sentences: list[Sentence]


def sentence_starts(text: str) -> list[int]:
    """Where each sentence (or piece of a long one) starts in ``text``."""
    starts: list[int] = []
    position = 0
    for end_mark in [*_SENTENCE_END.finditer(text), None]:
        end = end_mark.end() if end_mark else len(text)
        if end > position:
            starts += _pieces(text, position, end)
        position = end
    return starts or [0]


def _pieces(text: str, start: int, end: int) -> list[int]:
    if end - start <= LONG:
        return [start]
    starts = [start]
    for mark in _CLAUSE_END.finditer(text, start, end):
        if mark.end() - starts[-1] >= PIECE and end - mark.end() >= PIECE // 3:
            starts.append(mark.end())
    return starts


def find(masked: str) -> MatterHits:
    """The sentences of a masked post and the kinds each one names."""
    terms = matter_terms()
    starts = sentence_starts(masked)
    sentences = [Sentence(start) for start in starts]
    hits: list[tuple[int, int, frozenset[str], int]] = []
    kinds_of, split = terms.kinds, terms.split
    for m in terms.matcher.finditer(masked):
        term, start = m.group(), m.start()
        index = bisect_right(starts, start) - 1
        hits.append((start, m.end(), kinds_of[term], index))
        sentence = sentences[index]
        subjects, owned, foreign = split[term]
        sentence.subjects |= subjects
        sentence.owned |= owned
        sentence.foreign |= foreign
    return MatterHits(hits=hits, sentences=sentences)


def values(found: MatterHits) -> list[float]:
    """The matter features of a post (same order as ``matter_names``)."""
    terms = matter_terms()
    sentences = found.sentences
    # Counts by feature position, only for the features a post touches: most of the 120 counted features
    # are zero, and log1p(0) and 0 / count are 0.0, so the rest stay at the template's 0.0.
    pair_at, owned_at, beside_at, topic_at, counted = _positions()
    counts: dict[int, int] = {}
    topics: dict[int, int] = {}
    ours = mixed = inside = bare = with_subject = 0
    focus = -3
    group_of = terms.group_of
    for sentence in sentences:
        for kind in sentence.foreign:
            at = topic_at[kind]
            topics[at] = topics.get(at, 0) + 1
        if not sentence.subjects:
            continue
        owned_kinds = sentence.owned
        groups = {g for kind in owned_kinds for g in group_of[kind]}
        for subject in sentence.subjects:
            for group in groups:
                at = pair_at[(subject, group)]
                counts[at] = counts.get(at, 0) + 1
        # A dog or a pet is another office's matter (noise, leashes, bites, shops) unless its health is
        # the point: it counts as a livestock subject only next to disease, deaths, vaccination or quarantine.
        if sentence.subjects <= PETS and not (groups & {"health"} or "quarantine" in owned_kinds):
            continue
        with_subject += 1
        for kind in owned_kinds:
            at = owned_at[kind]
            counts[at] = counts.get(at, 0) + 1
        for kind in sentence.foreign:
            at = beside_at[kind]
            counts[at] = counts.get(at, 0) + 1
        if owned_kinds and not sentence.foreign:
            ours += 1
        elif owned_kinds:
            mixed += 1
        elif sentence.foreign:
            inside += 1
        else:
            bare += 1
        focus = max(focus, min(3, len(groups)) - min(3, len(sentence.foreign)))
    count = len(sentences)
    log = math.log1p
    out = [0.0] * counted
    for at, v in counts.items():
        out[at] = log(v)
    for at, v in topics.items():
        out[at] = v / count
    return [
        *out,
        log(ours),
        log(mixed),
        log(inside),
        log(bare),
        ours / count,
        inside / count,
        with_subject / count,
        # The best sentence's balance of our problems against other offices' matters, as two non-negative
        # parts (every family, complement naive Bayes too, needs counts and shares that are not negative).
        max(focus, 0) / 3 if with_subject else 0.0,
        max(-focus, 0) / 3 if with_subject else 0.0,
        log(count) / 4,
    ]


@lru_cache(maxsize=1)
def _positions() -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int], dict[str, int], int]:
    """Where each counted matter feature sits in ``values`` (pairs, owned, beside, topic: ``matter_names`` order)."""
    terms = matter_terms()
    pairs = [(s, g) for s in terms.subjects for g in terms.groups]
    at = 0
    placed: list[dict[Any, int]] = []
    for keys in (pairs, terms.owned, terms.foreign, terms.foreign):
        placed.append({key: at + i for i, key in enumerate(keys)})
        at += len(keys)
    return placed[0], placed[1], placed[2], placed[3], at


def spans_of(found: MatterHits, name: str) -> list[tuple[int, int]]:
    """Where the terms behind matter feature ``name`` (without the ``matter:`` prefix) are in the post."""
    terms = matter_terms()
    kind, _, rest = name.partition(":")
    wanted_subject: set[str] = set()
    wanted_other: set[str] = set()
    if kind == "pair":
        subject, _, group = rest.partition(":")
        wanted_subject = {f"s:{subject}"}
        wanted_other = {f"o:{k}" for k in terms.groups.get(group, ())}
    elif kind == "owned":
        wanted_subject = {f"s:{s}" for s in terms.subjects}
        wanted_other = {f"o:{rest}"}
    elif kind == "beside":
        wanted_subject = {f"s:{s}" for s in terms.subjects}
        wanted_other = {f"f:{rest}"}
    elif kind == "topic":
        return [(a, b) for a, b, kinds, _ in found.hits if f"f:{rest}" in kinds]
    else:
        return []
    by_sentence: dict[int, list[tuple[int, int, frozenset[str]]]] = {}
    for a, b, kinds, index in found.hits:
        by_sentence.setdefault(index, []).append((a, b, kinds))
    spans: list[tuple[int, int]] = []
    for items in by_sentence.values():
        subjects = [(a, b) for a, b, kinds in items if kinds & wanted_subject]
        others = [(a, b) for a, b, kinds in items if kinds & wanted_other]
        if subjects and others:
            spans += subjects + others
    return spans


def has_subject(found: MatterHits) -> bool:
    """True when some sentence names a livestock subject (an animal, a farm, meat, feed, the trade, the center;
    a dog or a pet only next to its health)."""
    return values(found)[matter_names().index("matter:subject_share")] > 0
