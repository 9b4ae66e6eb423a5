"""Features of a post: word and character n-gram TF-IDF, title words, and lexicon counts.

The vectoriser is our own small TF-IDF (the same formula as scikit-learn's with ``sublinear_tf`` and
smoothed idf) so that one post is turned into features in microseconds, without per-call overhead.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from nlp.lexicon import GROUPS, lexicon
from nlp.tokenize import tokenize

_SPACE = re.compile(r"\s+")
_SINGLE_SPECIES = re.compile("[猪牛羊鸡鸭鹅禽畜兽犬狗]")
# Tokens that say nothing a user should read as a reason (numbers, latin fragments, punctuation).
_UNREADABLE = re.compile(r"^[\W\d_a-z]+$")


# Single characters that are words worth a feature of their own; other single characters (打, 区, 月)
# mostly add noise, and the character n-gram block sees them anyway.
_SINGLE_WORDS = frozenset("猪牛羊鸡鸭鹅狗犬禽畜兔驴马鸽肉蛋奶死杀宰病疫粪臭药瘟")


def word_ngrams(tokens: Sequence[str]) -> list[str]:
    """Unigrams (single characters only when meaningful) and bigrams (joined by a space) of a token list."""
    unigrams = [t for t in tokens if len(t) > 1 or t in _SINGLE_WORDS]
    return [*unigrams, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]


def char_ngrams(text: str) -> list[str]:
    """Character bigrams of the lower-cased, space-normalised text."""
    chars = _SPACE.sub(" ", text.lower())
    return [chars[i : i + 2] for i in range(len(chars) - 1)]


@dataclass(slots=True)
class Vectoriser:
    """TF-IDF with sublinear term frequency, smoothed idf and L2 norm, over given terms."""

    min_df: int = 2
    max_features: int = 40000
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: list[float] = field(default_factory=list)

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
        return self

    def row(self, terms: list[str]) -> tuple[list[int], list[float]]:
        """Indices and L2-normalised TF-IDF values of one document."""
        vocabulary, idf = self.vocabulary, self.idf
        indices: list[int] = []
        values: list[float] = []
        for term, count in Counter(terms).items():
            index = vocabulary.get(term)
            if index is not None:
                indices.append(index)
                values.append((1.0 + math.log(count)) * idf[index])
        if not indices:
            return [], []
        norm = math.sqrt(sum(v * v for v in values))
        return indices, [v / norm for v in values]

    @property
    def size(self) -> int:
        """Number of features."""
        return len(self.vocabulary)


DENSE_NAMES = (
    *(f"lexicon:{group}" for group in GROUPS),
    *(f"lexicon:title:{group}" for group in GROUPS),
    "lexicon:density",
    "lexicon:none",
    "lexicon:traps",
    "species:title",
    "species:text",
)


def dense_features(title: str, text: str) -> list[float]:
    """Lexicon features: hits per group in the whole post and in the title, density, traps, species characters."""
    lex = lexicon()
    body = lex.without_traps(f"{title}\n{text}")
    clean_title = lex.without_traps(title)
    counts = [len(pattern.findall(body)) for pattern in lex.groups.values()]
    in_title = [1.0 if pattern.search(clean_title) else 0.0 for pattern in lex.groups.values()]
    total = sum(counts)
    length = max(len(title) + len(text), 1)
    return [
        *(math.log1p(c) for c in counts),
        *in_title,
        min(1.0, total * 100.0 / length / 3.0),
        1.0 if total == 0 else 0.0,
        math.log1p(len(lex.trap_hits(f"{title}\n{text}"))),
        math.log1p(len(_SINGLE_SPECIES.findall(lex.without_traps(title)))),
        math.log1p(len(_SINGLE_SPECIES.findall(body))) / 3.0,
    ]


@dataclass(slots=True)
class FeatureSpace:
    """Every feature block of a post, fitted on a corpus; rows are sparse vectors over all blocks."""

    title_weight: float = 0.7
    dense_weight: float = 1.0
    words: Vectoriser = field(default_factory=lambda: Vectoriser(min_df=2, max_features=40000))
    chars: Vectoriser = field(default_factory=lambda: Vectoriser(min_df=3, max_features=40000))
    titles: Vectoriser = field(default_factory=lambda: Vectoriser(min_df=2, max_features=8000))
    names: list[str] = field(default_factory=list)

    def fit(self, posts: Sequence[tuple[str, str]]) -> FeatureSpace:
        """Learn the vocabularies from (title, text) pairs."""
        self.words.fit(word_ngrams(tokenize(f"{t}\n{x}")) for t, x in posts)
        self.chars.fit(char_ngrams(f"{t}\n{x}") for t, x in posts)
        self.titles.fit(tokenize(t) for t, _ in posts)
        self.names = [
            *_names(self.words.vocabulary, ""),
            *_names(self.chars.vocabulary, ""),
            *_names(self.titles.vocabulary, "标题:"),
            *DENSE_NAMES,
        ]
        return self

    @property
    def size(self) -> int:
        """Number of features over all blocks."""
        return self.words.size + self.chars.size + self.titles.size + len(DENSE_NAMES)

    def row(self, title: str, text: str, tokens: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Indices and values of one post (``tokens`` of title + text may be passed when already cut)."""
        tokens = tokenize(f"{title}\n{text}") if tokens is None else tokens
        indices: list[int] = []
        values: list[float] = []
        offset = 0
        blocks: list[tuple[Vectoriser, list[str], float]] = [
            (self.words, word_ngrams(tokens), 1.0),
            (self.chars, char_ngrams(f"{title}\n{text}"), 1.0),
            (self.titles, tokenize(title) if title else [], self.title_weight),
        ]
        for vectoriser, terms, weight in blocks:
            block_indices, block_values = vectoriser.row(terms)
            indices += [offset + i for i in block_indices]
            values += [v * weight for v in block_values]
            offset += vectoriser.size
        for position, value in enumerate(dense_features(title, text)):
            if value:
                indices.append(offset + position)
                values.append(value * self.dense_weight)
        return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def matrix(self, posts: Sequence[tuple[str, str]]) -> sparse.csr_matrix:
        """The feature matrix of many posts."""
        data: list[np.ndarray] = []
        columns: list[np.ndarray] = []
        pointers = [0]
        for title, text in posts:
            indices, values = self.row(title, text)
            columns.append(indices)
            data.append(values)
            pointers.append(pointers[-1] + len(indices))
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64),
                np.asarray(pointers),
            ),
            shape=(len(posts), self.size),
        )

    def readable(self, index: int) -> bool:
        """True when feature ``index`` can be shown to a user as a reason."""
        name = self.names[index]
        return not name.startswith(("lexicon:", "species:")) and not _UNREADABLE.match(name.replace(" ", ""))


def _names(vocabulary: dict[str, int], prefix: str) -> list[str]:
    names = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        names[index] = prefix + term
    return names
