"""Readable reasons: the features that pushed a decision, traced back to words and phrases of the post.

Each feature's contribution (weight × value, signed toward the decision) is spread over the characters
where the feature occurs (a word, a pair of words, a character n-gram, a lexicon term, a clause cue). The
words of the post then add up the share of their characters, and neighbouring words that both pushed
the decision, inside one clause, are merged into a phrase of at most ``MAX_WORDS`` words. A reason is a
phrase of at least two characters, letters only (no punctuation, no digits), exactly as it is written in
the title or the text, with its field and offsets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nlp.features import Extracted, locate
from nlp.tokenize import stopwords

REASON_LIMIT = 6
# Only the strongest features are traced back to the text (the rest cannot change which phrases win).
TRACED = 24
MAX_WORDS = 3
# A word takes part in a phrase when it carries at least this share of the strongest word's weight.
SHARE = 0.2


def character_weights(
    extracted: Extracted, names: list[str], indices: np.ndarray, contributions: np.ndarray
) -> list[float]:
    """Each character's share of the strongest positive contributions (over the cleaned title + newline + text)."""
    weights = [0.0] * len(extracted.doc.clean)
    positive = np.flatnonzero(contributions > 0)
    if len(positive) > TRACED:
        positive = positive[np.argpartition(-contributions[positive], TRACED - 1)[:TRACED]]
    for position in positive.tolist():
        places = locate(extracted, names[int(indices[position])])
        if not places:
            continue
        share = float(contributions[position]) / len(places)
        for start, end in places:
            each = share / (end - start)
            for i in range(start, end):
                weights[i] += each
    return weights


def phrases(extracted: Extracted, weights: list[float], *, limit: int = REASON_LIMIT) -> list[dict[str, Any]]:
    """The strongest phrases of the post, as reasons with field and offsets."""
    doc = extracted.doc
    words = doc.words
    scores = [sum(weights[start:end]) for _, start, end, _ in words]
    if not scores or max(scores) <= 0:
        return []
    floor = max(scores) * SHARE
    runs: list[list[int]] = []
    for position, (token, _, _, clause) in enumerate(words):
        # ``isalpha`` first: letters are never digits, and most words are letters only, so the character
        # scan runs for the few words with digits or other characters.
        strong = scores[position] >= floor and (token.isalpha() or not any(ch.isdigit() for ch in token))
        if not strong:
            continue
        if runs and runs[-1][-1] == position - 1 and words[runs[-1][-1]][3] == clause:
            runs[-1].append(position)
        else:
            runs.append([position])
    found: dict[str, dict[str, Any]] = {}
    stop = stopwords()
    for run in runs:
        for whole in _windows(run, scores):
            window = _trimmed(whole, words, stop)
            if not window:
                continue
            start, end = words[window[0]][1], words[window[-1]][2]
            term = doc.original(start, end)
            if len(term) < 2 or not term.isalpha():  # str.isalpha: every character a letter (term not empty)
                continue
            weight = sum(scores[i] for i in window)
            field, a, b = doc.locate(start, end)
            known = found.get(term)
            if known is None:
                found[term] = {"term": term, "weight": weight, "field": field, "start": a, "end": b}
            else:
                known["weight"] += weight
    ranked = sorted(found.values(), key=lambda reason: -reason["weight"])
    chosen: list[dict[str, Any]] = []
    for reason in ranked:
        if any(reason["term"] in other["term"] for other in chosen):
            continue
        reason["weight"] = round(reason["weight"], 4)
        chosen.append(reason)
        if len(chosen) == limit:
            break
    return chosen


def _trimmed(window: list[int], words: list[tuple[str, int, int, int]], stop: frozenset[str]) -> list[int]:
    """``window`` without the function words at its ends (了, 的, 现在 …), so a reason reads as a phrase."""
    first, last = 0, len(window)
    while first < last and words[window[first]][0] in stop:
        first += 1
    while last > first and words[window[last - 1]][0] in stop:
        last -= 1
    return window[first:last]


def _windows(run: list[int], scores: list[float]) -> list[list[int]]:
    """A run of strong words cut into phrases of at most MAX_WORDS words, strongest first."""
    if len(run) <= MAX_WORDS:
        return [run]
    pieces: list[list[int]] = []
    rest = list(run)
    while rest:
        best = max(
            range(len(rest) - min(MAX_WORDS, len(rest)) + 1),
            key=lambda i: sum(scores[j] for j in rest[i : i + MAX_WORDS]),
        )
        window = rest[best : best + MAX_WORDS]
        pieces.append(window)
        left, right = rest[:best], rest[best + MAX_WORDS :]
        pieces += _windows(left, scores) if left else []
        rest = right
    return pieces
