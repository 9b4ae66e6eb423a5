"""Near-duplicate signatures of text: a 64-bit SimHash over character shingles, compared by Hamming distance."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
MASK64 = (1 << 64) - 1
_BITS = np.arange(64, dtype=np.uint64)


def normalise(text: str) -> str:
    """Text reduced to what a repost keeps: NFKC, lower case, no whitespace or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=1 << 18)
def _shingle_hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def simhash(text: str, *, width: int = 3) -> int:
    """A 64-bit SimHash of ``text`` over ``width``-character shingles (0 for empty text)."""
    return simhash_normalised(normalise(text), width=width)


def simhash_normalised(chars: str, *, width: int = 3) -> int:
    """``simhash`` of text already passed through ``normalise`` (saves normalising twice)."""
    if not chars:
        return 0
    count = max(1, len(chars) - width + 1)
    shingles = [chars[i : i + width] for i in range(count)]
    hashes = np.fromiter(map(_shingle_hash, shingles), dtype=np.uint64, count=count)
    # Vectorised per-bit vote: +1 where a shingle hash has the bit, -1 where it has not.
    ones = ((hashes[:, None] >> _BITS) & np.uint64(1)).sum(axis=0, dtype=np.int64)
    positive = (2 * ones - count) > 0
    return int((positive.astype(np.uint64) << _BITS).sum(dtype=np.uint64))


def as_signed(value: int) -> int:
    """The signature as a signed 64-bit integer, so it fits a BIGINT column."""
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Bits that differ between two signatures (signed or unsigned)."""
    return ((a & MASK64) ^ (b & MASK64)).bit_count()


def near_duplicate(a: int, b: int, *, max_bits: int = 3) -> bool:
    """True when two non-empty signatures differ in at most ``max_bits`` bits."""
    return a != 0 and b != 0 and hamming(a, b) <= max_bits
