"""The tokenizer: jieba's dictionary and algorithm (through rjieba, its Rust port) with our user dictionary.

``tokenize`` is a module-level function so fitted models pickle. rjieba segments with the same
dictionary, DAG and HMM as jieba but about twenty times faster; ``bench/nlp.py`` measures how often the
two agree on real public messages (about 99.7 % of tokens) and how much faster it is.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

import rjieba

RESOURCES = Path(__file__).with_name("resources")
USERDICT = RESOURCES / "userdict.txt"
_SPACE = re.compile(r"\s+")
_lock = threading.Lock()
_segmenter: rjieba.Jieba | None = None


def userdict_entries(path: Path = USERDICT) -> list[tuple[str, int | None, str | None]]:
    """The user dictionary as (word, frequency, part of speech); the same format jieba's load_userdict reads."""
    entries: list[tuple[str, int | None, str | None]] = []
    if not path.exists():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            continue
        frequency = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        entries.append((parts[0], frequency, tag))
    return entries


def get_segmenter() -> rjieba.Jieba:
    """The shared segmenter with the user dictionary loaded (created once per process)."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                segmenter = rjieba.Jieba()
                for word, frequency, tag in userdict_entries():
                    segmenter.add_word(word, frequency, tag)
                _segmenter = segmenter
    return _segmenter


def cut(text: str) -> list[str]:
    """Plain segmentation of ``text`` (every token, spaces and punctuation included)."""
    return get_segmenter().cut(text)


def tag(text: str) -> list[tuple[str, str]]:
    """Segmentation with part-of-speech tags (jieba's tag set)."""
    return get_segmenter().tag(text)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words that carry no signal for classification (negations are deliberately kept out)."""
    path = RESOURCES / "stopwords.txt"
    if not path.exists():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` for the models: words, lower-cased, without spaces and stopwords."""
    stop = stopwords()
    return [token for token in cut(_SPACE.sub(" ", text.lower())) if token.strip() and token not in stop]


class Segmenter:
    """jieba-style ``lcut`` and ``lcut_for_search`` over the shared segmenter (used by the search index)."""

    def lcut(self, text: str) -> list[str]:
        """Precise-mode segmentation."""
        return get_segmenter().cut(text)

    def lcut_for_search(self, text: str) -> list[str]:
        """Search-mode segmentation: long words also yield the shorter words inside them."""
        return get_segmenter().cut_for_search(text)


_SEGMENTER = Segmenter()


def get_tokenizer() -> Segmenter:
    """The segmenter with jieba's method names, for callers written against jieba.Tokenizer."""
    return _SEGMENTER
