"""Features of a post: word and character n-grams inside clauses, lexicon, other-sense and clause-cue counts.

- words: jieba words (single characters only when they are words worth a feature) and pairs of
  neighbouring words, never across punctuation;
- characters: CJK character n-grams inside each clause;
- dense: livestock terms per lexicon group, species characters, tone words, clause cues (an animal or farm
  next to a kind of trouble, ``resources/cues.yaml``) and the matter features of ``matters.py`` (which
  subjects meet which of the center's problems and which other offices' matters in one sentence), all
  counted after the other senses (places, idioms, slang …, see ``senses.py``) are blanked out.

Title and text are one document. The vectoriser is our own small TF-IDF (scikit-learn's formula with
``sublinear_tf`` and smoothed idf) so one post becomes a row in microseconds. With ``spans=True`` every
term also carries where it occurs, so a decision can be traced back to the words of the post.
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import yaml
from scipy import sparse

from nlp import matters
from nlp.lexicon import GROUPS, LEXICON_FILE, lexicon
from nlp.senses import blank, other_senses, trie_pattern
from nlp.text import Document, document
from nlp.tokenize import RESOURCES, stopwords

Span = tuple[int, int]

# Single characters that are words worth a feature of their own; other single characters (打, 区, 月)
# mostly add noise, and the character n-gram block sees them anyway.
_SINGLE_WORDS = frozenset("猪牛羊鸡鸭鹅狗犬禽畜兔驴马鸽肉蛋奶死杀宰病疫粪臭药瘟")
_SPECIES = re.compile("[猪牛羊鸡鸭鹅禽畜兽犬狗]")
_READABLE = re.compile(r"[\u4e00-\u9fff]")
# A run of CJK characters: character n-grams never cross punctuation, spaces, digits or latin letters.
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
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


@dataclass(slots=True)
class Extracted:
    """The terms of each block and the dense values of one post, with what ``locate`` needs to find a term again."""

    doc: Document
    words: list[str]
    chars: list[str]
    dense: list[float]
    masked: str = ""
    content: list[tuple[str, int, int, int]] = field(default_factory=list)
    clause_starts: list[int] = field(default_factory=list)
    matter: matters.MatterHits = field(default_factory=lambda: matters.MatterHits(hits=[], sentences=[]))


def _merge(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans):
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end, merged[-1][2])
            continue
        merged.append((start, end, kind))
    return merged


def extract(title: str, text: str, *, char_sizes: tuple[int, ...] = (2,)) -> Extracted:
    """Every term and dense value of a post."""
    doc = document(title, text)
    stop = stopwords()
    words: list[str] = []
    content: list[tuple[str, int, int, int]] = []
    clause_starts: list[int] = []
    last_clause = -1
    previous: tuple[str, int, int, int] | None = None
    single = _SINGLE_WORDS
    readable = _READABLE.search
    for item in doc.words:
        token, _, _, clause = item
        if clause != last_clause:
            clause_starts.append(item[1])
            last_clause = clause
        if token in stop:
            continue
        # An ASCII token has no CJK character: the regular expression is only needed for the others.
        if token.isascii() or not readable(token):
            previous = None
            continue
        content.append(item)
        if len(token) > 1 or token in single:
            words.append(token)
        if previous is not None and previous[3] == clause:
            words.append(f"{previous[0]} {token}")
        previous = item
    return _finish(doc, words, content, clause_starts, char_sizes)


def _finish(
    doc: Document,
    words: list[str],
    content: list[tuple[str, int, int, int]],
    clause_starts: list[int],
    char_sizes: tuple[int, ...],
) -> Extracted:
    if len(char_sizes) == 1:
        # One size: a look-ahead finds every n-gram inside a CJK run in one C-level pass, in the same
        # order as slicing run by run (about twice as fast).
        chars: list[str] = _ngrams(char_sizes[0]).findall(doc.clean)
    else:
        chars = []
        for run in _CJK_RUN.findall(doc.clean):
            for size in char_sizes:
                chars += [run[i : i + size] for i in range(len(run) - size + 1)]

    masked = _masked(doc.clean)
    found = matters.find(masked)
    dense = _dense(masked, clause_starts) + matters.values(found)
    return Extracted(
        doc=doc,
        words=words,
        chars=chars,
        dense=dense,
        masked=masked,
        content=content,
        clause_starts=clause_starts,
        matter=found,
    )


@lru_cache(maxsize=4)
def _ngrams(size: int) -> re.Pattern[str]:
    return re.compile(f"(?=([\u4e00-\u9fff]{{{size}}}))")


def _masked(cleaned: str) -> str:
    """The cleaned text with every other sense and every lexicon trap blanked out."""
    found = other_senses(cleaned)
    trapped = [(m.start(), m.end(), "traps") for m in _traps().finditer(cleaned)]
    return blank(cleaned, _merge([*found, *trapped]))


def _dense(masked: str, clause_starts: list[int]) -> list[float]:
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


def locate(extracted: Extracted, name: str) -> list[Span]:
    """Where feature ``name`` (``w:``, ``c:`` or ``d:`` prefixed) occurs in the cleaned post; empty when nowhere."""
    kind, _, term = name.partition(":")
    if kind == "w":
        first, _, second = term.partition(" ")
        content = extracted.content
        if not second:
            return [(start, end) for token, start, end, _ in content if token == first]
        return [
            (a[1], b[2]) for a, b in itertools.pairwise(content) if a[0] == first and b[0] == second and a[3] == b[3]
        ]
    if kind == "c":
        found, text, position = [], extracted.doc.clean, 0
        while (position := text.find(term, position)) >= 0:
            found.append((position, position + len(term)))
            position += 1
        return found
    group, _, what = term.partition(":")
    if group == "tone":
        pattern = tone()[0 if what == "negative" else 1]
        return [m.span() for m in pattern.finditer(extracted.masked)]
    if group == "lexicon" and what in lexicon().groups:
        return [m.span() for m in lexicon().groups[what].finditer(extracted.masked)]
    if group == "cue" and what in cues().kinds:
        return _cue_spans(extracted, what)
    if group == "matter":
        return matters.spans_of(extracted.matter, what)
    return []


def _cue_spans(extracted: Extracted, kind: str) -> list[Span]:
    starts, masked = extracted.clause_starts, extracted.masked
    if not starts:
        return []
    subjects = _subject_clauses(masked, starts)
    matches = [(bisect_right(starts, m.start()) - 1, m) for m in cues().kinds[kind].finditer(masked)]
    paired = set(_paired(sorted({clause for clause, _ in matches}), sorted(subjects)))
    spans = [m.span() for index in paired for m in subjects[index]]
    spans += [m.span() for clause, m in matches if any(abs(clause - index) <= WINDOW for index in paired)]
    return spans


@dataclass(slots=True)
class Vectoriser:
    """TF-IDF with sublinear term frequency, smoothed idf and L2 norm, over given terms."""

    min_df: int = 2
    max_features: int = 40000
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: list[float] = field(default_factory=list)
    _idf: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def fit(self, documents: Iterable[list[str]]) -> Vectoriser:
        """Learn the vocabulary (most frequent terms by document frequency) and the idf weights."""
        frequency: Counter[str] = Counter()
        count = 0
        for terms in documents:
            frequency.update(set(terms))
            count += 1
        kept = [term for term, df in frequency.items() if df >= self.min_df]
        kept.sort(key=lambda term: (-frequency[term], term))
        kept = sorted(kept[: self.max_features])
        self.vocabulary = {term: index for index, term in enumerate(kept)}
        self.idf = [math.log((1 + count) / (1 + frequency[term])) + 1.0 for term in kept]
        self._idf = np.asarray(self.idf)
        return self

    def row(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Indices and L2-normalised TF-IDF values of one document."""
        # Count the terms first (in C) and look up each distinct term once: the vocabulary is large, so each
        # lookup is a cache miss. The order (first occurrence) is the same as counting looked-up indices, so
        # the sums below add up in the same order.
        vocabulary = self.vocabulary
        found = [(index, n) for term, n in Counter(terms).items() if (index := vocabulary.get(term)) is not None]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        pairs = np.array(found, dtype=np.int64)
        indices = np.ascontiguousarray(pairs[:, 0])
        values = (1.0 + np.log(pairs[:, 1].astype(np.float64))) * self._idf[indices]
        return indices, values / np.sqrt(values @ values)

    @property
    def size(self) -> int:
        """Number of features."""
        return len(self.vocabulary)


@dataclass(slots=True)
class FeatureSpace:
    """Every feature block of a post, fitted on a corpus; rows are sparse vectors over all blocks."""

    char_sizes: tuple[int, ...] = (2,)
    dense_weight: float = 1.0
    # The matter features are many and correlated; at half scale the heads' penalty keeps any one of them
    # from dominating (chosen on the development half of the real messages).
    matter_weight: float = 0.5
    layout: str = ""
    words: Vectoriser = field(default_factory=lambda: Vectoriser(min_df=2, max_features=60000))
    chars: Vectoriser = field(default_factory=lambda: Vectoriser(min_df=3, max_features=60000))
    names: list[str] = field(default_factory=list)

    def fit(self, extracted: Sequence[Extracted]) -> FeatureSpace:
        """Learn the vocabularies from extracted posts."""
        self.words.fit(e.words for e in extracted)
        self.chars.fit(e.chars for e in extracted)
        self.layout = layout()
        self.names = [
            *_names(self.words.vocabulary, "w:"),
            *_names(self.chars.vocabulary, "c:"),
            *(f"d:{name}" for name in dense_names()),
        ]
        return self

    def extract(self, title: str, text: str) -> Extracted:
        """The terms of a post as this space cuts them."""
        return extract(title, text, char_sizes=self.char_sizes)

    @property
    def size(self) -> int:
        """Number of features over all blocks."""
        return self.words.size + self.chars.size + len(dense_names())

    def row(self, extracted: Extracted) -> tuple[np.ndarray, np.ndarray]:
        """Indices and values of one post."""
        word_indices, word_values = self.words.row(extracted.words)
        char_indices, char_values = self.chars.row(extracted.chars)
        dense = np.asarray(extracted.dense) * self._dense_scale()
        present = np.flatnonzero(dense)
        offset = self.words.size + self.chars.size
        return (
            np.concatenate([word_indices, char_indices + self.words.size, present + offset]),
            np.concatenate([word_values, char_values, dense[present]]),
        )

    def without_matters(self, matrix: sparse.csr_matrix) -> sparse.csr_matrix:
        """``matrix`` with the matter features set to zero (for heads that must not use them)."""
        keep = np.ones(self.size)
        offset = self.words.size + self.chars.size
        keep[[offset + i for i, name in enumerate(dense_names()) if name.startswith("matter:")]] = 0.0
        return sparse.csr_matrix(matrix @ sparse.diags(keep))

    def _dense_scale(self) -> np.ndarray:
        return _scale(self.dense_weight, self.matter_weight)

    def matrix(self, extracted: Sequence[Extracted]) -> sparse.csr_matrix:
        """The feature matrix of many extracted posts."""
        data: list[np.ndarray] = []
        columns: list[np.ndarray] = []
        pointers = [0]
        for item in extracted:
            indices, values = self.row(item)
            columns.append(indices)
            data.append(values)
            pointers.append(pointers[-1] + len(indices))
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64),
                np.asarray(pointers),
            ),
            shape=(len(extracted), self.size),
        )


@lru_cache(maxsize=8)
def _scale(dense_weight: float, matter_weight: float) -> np.ndarray:
    names = dense_names()
    return np.asarray([matter_weight if name.startswith("matter:") else dense_weight for name in names])


def _names(vocabulary: dict[str, int], prefix: str) -> list[str]:
    names = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        names[index] = prefix + term
    return names
