"""A post as the models read it: one cleaned string with offsets back to the title and text, cut into words.

Cleaning maps character to character (full-width letters and digits to half-width, upper to lower case,
every kind of space to a plain space, traditional characters to simplified ones: ``core.traditional``), so an
offset in the cleaned string is the same offset in the original: reasons found on the cleaned string are
spans of what the writer typed. Title and text are read as one document, the title first: nothing is decided
by where a word stands.

Words come from the shared segmenter; a clause is a run of words between two marks that are not part
of words (punctuation, spaces, line breaks), so no feature spans a comma.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from core.traditional import simplified_table
from nlp.tokenize import cut

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SPACES = dict.fromkeys(map(ord, "\u3000\u00a0\t\r\x0b\x0c"), ord(" "))
_UPPER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_TABLE = {**_FULL_WIDTH, **_SPACES, **_UPPER, **{code: code - 0xFEE0 + 32 for code in range(0xFF21, 0xFF3B)}}


def clean(text: str) -> str:
    """``text`` with full-width ASCII, spaces, upper case and traditional characters folded (same length)."""
    return text.translate(_table())


@cache
def _table() -> dict[int, int]:
    # One table, so cleaning stays a single ``str.translate`` pass; built at first use, not at import.
    return {**simplified_table(), **_TABLE}


def is_word(token: str) -> bool:
    """True for a token made of letters, digits or CJK characters (not punctuation or space)."""
    return token.isalnum()


def is_cjk(char: str) -> bool:
    """True for a CJK unified ideograph (the characters the n-gram features are made of)."""
    return "\u4e00" <= char <= "\u9fff"


@dataclass(slots=True)
class Document:
    """A post cut into words: ``words`` are (word, start, end, clause) over ``clean`` (cleaned title, newline, text)."""

    title: str
    text: str
    clean: str
    words: list[tuple[str, int, int, int]]

    @property
    def title_length(self) -> int:
        """Where the text starts in ``clean`` is ``title_length + 1``."""
        return len(self.title)

    def locate(self, start: int, end: int) -> tuple[str, int, int]:
        """The field ("title" or "text") and offsets within it of the span ``clean[start:end]``."""
        if end <= len(self.title):
            return "title", start, end
        offset = len(self.title) + 1
        return "text", start - offset, end - offset

    def original(self, start: int, end: int) -> str:
        """The span as the writer typed it."""
        field, a, b = self.locate(start, end)
        return (self.title if field == "title" else self.text)[a:b]


def document(title: str, text: str) -> Document:
    """Clean and cut a post (one call to the segmenter for title and text together)."""
    joined = f"{title}\n{text}"
    cleaned = clean(joined)
    words: list[tuple[str, int, int, int]] = []
    position = 0
    clause = 0
    in_clause = False
    # ``str.isalnum`` inline rather than ``is_word``: this loop runs once per token of every post.
    for token in cut(cleaned):
        end = position + len(token)
        if token.isalnum():
            words.append((token, position, end, clause))
            in_clause = True
        elif in_clause:
            clause += 1
            in_clause = False
        position = end
    return Document(title=title, text=text, clean=cleaned, words=words)
