"""Near-duplicate signatures of text: a 64-bit SimHash over character shingles, compared by Hamming distance."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from core.traditional import to_simplified

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
MASK64 = (1 << 64) - 1


def normalise(text: str) -> str:
    """Text reduced to what a repost keeps: NFKC, simplified characters, lower case, no whitespace or punctuation."""
    # A repost in traditional characters (a Hong Kong or Taiwan page quoting a mainland post) is the same text.
    return _NOISE.sub("", to_simplified(unicodedata.normalize("NFKC", text)).lower())


# Odd multipliers that spread each character of a shingle over the whole word, and splitmix64's finaliser.
_POSITION_KEYS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD],
    dtype=np.uint64,
)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def _shingle_hashes(chars: str, width: int) -> np.ndarray:
    """A 64-bit hash of every ``width``-character shingle, computed for the whole text at once."""
    points = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = max(1, len(points) - width + 1)
    if len(points) < width:
        points = np.concatenate([points, np.zeros(width - len(points), dtype=np.uint64)])
    mixed = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        # Wrapping uint64 arithmetic is the point here, not an overflow to guard against.
        mixed ^= (points[offset : offset + count] + np.uint64(offset + 1)) * _POSITION_KEYS[
            offset % len(_POSITION_KEYS)
        ]
        mixed = (mixed << np.uint64(7)) | (mixed >> np.uint64(57))
    mixed ^= mixed >> np.uint64(30)
    mixed *= _MIX_1
    mixed ^= mixed >> np.uint64(27)
    mixed *= _MIX_2
    mixed ^= mixed >> np.uint64(31)
    return mixed


def simhash(text: str, *, width: int = 3) -> int:
    """A 64-bit SimHash of ``text`` over ``width``-character shingles (0 for empty text)."""
    return simhash_normalised(normalise(text), width=width)


def simhash_normalised(chars: str, *, width: int = 3) -> int:
    """``simhash`` of text already passed through ``normalise`` (saves normalising twice)."""
    if not chars:
        return 0
    hashes = _shingle_hashes(chars, width)
    # Per-bit vote over all shingles: a bit is set when more than half of the shingle hashes have it.
    bits = np.unpackbits(hashes.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    positive = 2 * bits.sum(axis=0, dtype=np.int64) > len(hashes)
    return int.from_bytes(np.packbits(positive, bitorder="little").tobytes(), "little")


def as_signed(value: int) -> int:
    """The signature as a signed 64-bit integer, so it fits a BIGINT column."""
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Bits that differ between two signatures (signed or unsigned)."""
    return ((a & MASK64) ^ (b & MASK64)).bit_count()


def near_duplicate(a: int, b: int, *, max_bits: int = 3) -> bool:
    """True when two non-empty signatures differ in at most ``max_bits`` bits."""
    return a != 0 and b != 0 and hamming(a, b) <= max_bits
