"""Character tokens: the second field beside the jieba words, so single characters and short words are found.

jieba keeps 猪 inside 养猪场, 生猪 and 猪肉, so a query for 猪 on the word field finds only the posts where
猪 stands alone. The character field holds every CJK character as its own token (a run of Latin letters or
digits stays one token, so ``a`` does not match every English word); a short query token is then also
matched as a phrase of consecutive characters there. Both backends store and query it the same way.
"""

from __future__ import annotations

import re

from core.traditional import to_simplified

# Query tokens of at most this many characters are also matched as a character phrase; longer ones are
# jieba words that the search-mode word field already holds (and a phrase over many characters costs more).
SHORT_TOKEN = 2

_CHARACTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def char_tokens(text: str) -> list[str]:
    """``text`` as character tokens: each CJK character alone (traditional read as simplified), other runs whole."""
    return _CHARACTER.findall(to_simplified(text).lower())


def short_tokens(tokens: list[str]) -> list[str]:
    """The query tokens that are also matched as a phrase of characters."""
    return [token for token in tokens if len(token) <= SHORT_TOKEN]
