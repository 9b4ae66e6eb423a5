"""Search tokens: the classifier's jieba tokenizer (user dictionary, stopwords), registered with core's search.

Documents are cut in jieba's search mode, which adds the shorter words inside long ones (养猪场 → 养猪, 猪场,
养猪场); queries are cut in precise mode. So a query for 猪场 finds 养猪场, and every query word must occur.
Both are read as simplified characters (``core.traditional``), so 养猪场 finds a post typed 養豬場 and the other
way round. Changing the dictionary, the stopwords or that table changes the tokens: run ``muqing reindex``
afterwards.
"""

from __future__ import annotations

import re

from core.search.plugins import register_tokenizer
from core.traditional import to_simplified
from nlp.tokenize import get_tokenizer, stopwords

_SPACE = re.compile(r"\s+")
# A token must hold a letter or a digit (CJK characters are letters); punctuation alone is never searched.
_WORD = re.compile(r"[^\W_]")


def _clean(tokens: list[str]) -> list[str]:
    stop = stopwords()
    return [token for token in (t.strip() for t in tokens) if token and _WORD.search(token) and token not in stop]


def document_tokens(text: str) -> list[str]:
    """Tokens a document is indexed under (search mode, lower-cased, without stopwords and punctuation)."""
    return _clean(get_tokenizer().lcut_for_search(_SPACE.sub(" ", to_simplified(text).lower())))


def query_tokens(text: str) -> list[str]:
    """Tokens of a query, each of which must match (precise mode, lower-cased, no stopwords or punctuation)."""
    return _clean(get_tokenizer().lcut(_SPACE.sub(" ", to_simplified(text).lower())))


register_tokenizer(document=document_tokens, query=query_tokens)
