"""Features of a post: word and character n-grams inside clauses, lexicon, other-sense and clause-cue counts.

- words: jieba words (single characters only when they are words worth a feature) and pairs of
  neighbouring words, never across punctuation;
- characters: CJK character n-grams inside each clause;
- dense: livestock terms per lexicon group, species characters, tone words, clause cues (an animal or farm
  next to a kind of trouble, ``resources/cues.yaml``) and the matter features of ``matters.py`` (which
  subjects meet which of the center's problems and which other offices' matters in one sentence), all
  counted after the other senses (places, idioms, slang …, see ``senses.py``) are blanked out (``dense.py``).

Title and text are one document. The vectoriser is our own small TF-IDF (scikit-learn's formula with
``sublinear_tf`` and smoothed idf) so one post becomes a row in microseconds. With ``spans=True`` every
term also carries where it occurs, so a decision can be traced back to the words of the post.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse

from nlp import dense, matters
from nlp.dense import cues, dense_names, layout, tone
from nlp.lexicon import lexicon
from nlp.text import Document, document
from nlp.tokenize import stopwords

Span = tuple[int, int]

# Single characters that are words worth a feature of their own; other single characters (打, 区, 月)
# mostly add noise, and the character n-gram block sees them anyway.
_SINGLE_WORDS = frozenset("猪牛羊鸡鸭鹅狗犬禽畜兔驴马鸽肉蛋奶死杀宰病疫粪臭药瘟")
_READABLE = re.compile(r"[\u4e00-\u9fff]")
# A run of CJK characters: character n-grams never cross punctuation, spaces, digits or latin letters.
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


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

    masked = dense.masked(doc.clean)
    found = matters.find(masked)
    dense_values = dense.values(masked, clause_starts) + matters.values(found)
    return Extracted(
        doc=doc,
        words=words,
        chars=chars,
        dense=dense_values,
        masked=masked,
        content=content,
        clause_starts=clause_starts,
        matter=found,
    )


@lru_cache(maxsize=4)
def _ngrams(size: int) -> re.Pattern[str]:
    return re.compile(f"(?=([\u4e00-\u9fff]{{{size}}}))")


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
        return dense.cue_spans(extracted, what)
    if group == "matter":
        return matters.spans_of(extracted.matter, what)
    return []


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
