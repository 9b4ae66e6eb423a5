"""The jieba tokenizer with our user dictionary and stopwords; a module-level function so models pickle."""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba

RESOURCES = Path(__file__).with_name("resources")
_SPACE = re.compile(r"\s+")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def get_tokenizer() -> jieba.Tokenizer:
    """The shared jieba tokenizer, initialised once with the user dictionary."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                userdict = RESOURCES / "userdict.txt"
                if userdict.exists():
                    tokenizer.load_userdict(str(userdict))
                _tokenizer = tokenizer
    return _tokenizer


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words that carry no signal for classification (negations are deliberately kept out)."""
    path = RESOURCES / "stopwords.txt"
    if not path.exists():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` for the models: jieba words, lower-cased, without spaces and stopwords."""
    stop = stopwords()
    return [
        token for token in get_tokenizer().lcut(_SPACE.sub(" ", text.lower())) if token.strip() and token not in stop
    ]
