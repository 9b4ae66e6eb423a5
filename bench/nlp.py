"""Classifier speed: posts analysed per second on one core, against bare ``jieba.lcut`` in the same run.

    .venv/bin/python bench/nlp.py [--posts 300] [--rounds 5]

Texts are 200-character posts: real public messages cut to 200 characters when the shared data is
there (``$MUQING_SHARED_DATA`` or ``../shared/data``), otherwise our seed corpus letters. The baseline is
``jieba.lcut`` with jieba's own dictionary on the same texts; the figure that matters is the ratio
(analysis time / bare tokenisation time), which must stay at or below 1.5. The analysis is the whole
``nlp.analyze.analyze`` call: tokenising, features, every head, severity rules, reasons, entities and
masking. It also reports how often our tokenizer (rjieba with the user dictionary) agrees with jieba
(with the same user dictionary) on the real data, token by token.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned"


def _texts(count: int) -> tuple[list[str], str]:
    from nlp.realdata import shared_data_dir, teddy_posts

    root = shared_data_dir()
    if root is not None:
        posts = [p for p in teddy_posts(root) if len(p.text) >= 200]
        step = max(1, len(posts) // count)
        return [p.text[:200] for p in posts[::step][:count]], "real public messages (TipDM 2020), cut to 200 characters"
    from nlp.corpus import read_examples, seed_files

    letters = [e.text for e in read_examples(seed_files()) if len(e.text) >= 200]
    return [t[:200] for t in letters[:count]], "seed corpus letters, cut to 200 characters"


def _best(function: Callable[[str], object], texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - start)
    return best


def agreement(texts: list[str]) -> float:
    """Share of jieba's tokens (with our user dictionary) that our tokenizer produces at the same place."""
    import jieba

    from nlp.tokenize import USERDICT, cut

    reference = jieba.Tokenizer()
    reference.initialize()
    reference.load_userdict(str(USERDICT))

    def spans(tokens: list[str]) -> set[tuple[int, int]]:
        found, position = set(), 0
        for token in tokens:
            found.add((position, position + len(token)))
            position += len(token)
        return found

    same = total = 0
    for text in texts:
        expected = spans(reference.lcut(text))
        same += len(expected & spans(cut(text)))
        total += len(expected)
    return same / total if total else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.setdefault("MUQING_DATA_DIR", tempfile.mkdtemp(prefix="muqing-bench-"))
    pinned = _pin_one_core()

    import jieba

    from nlp.analyze import analyze
    from nlp.registry import get_model
    from nlp.tokenize import tokenize

    jieba.setLogLevel(logging.WARNING)
    texts, origin = _texts(args.posts)
    jieba.initialize()
    version, _ = get_model()  # trains a model first when the data directory has none
    for text in texts[:20]:  # warm caches (lexicon, gazetteer, segmenter)
        analyze(title="", text=text)
        jieba.lcut(text)

    baseline = analysis = tokens = float("inf")
    for _ in range(args.rounds):  # interleaved, so a busy machine hurts both sides alike
        baseline = min(baseline, _best(jieba.lcut, texts, 1))
        analysis = min(analysis, _best(lambda t: analyze(title="", text=t), texts, 1))
        tokens = min(tokens, _best(tokenize, texts, 1))

    count = len(texts)
    print(f"texts: {count} {origin}; one process, {pinned}; best of {args.rounds} rounds; model {version}")
    for label, seconds in (
        ("baseline  jieba.lcut (bare, jieba's dictionary)", baseline),
        ("our tokenizer (rjieba + user dictionary)", tokens),
        ("analysis  nlp.analyze.analyze (everything)", analysis),
    ):
        print(f"{label:<50}{count / seconds:9.0f} posts/s  {seconds / count * 1e3:.3f} ms/post")
    ratio = analysis / baseline
    print(f"ratio analysis / bare jieba.lcut: {ratio:.2f} (target <= 1.50: {'met' if ratio <= 1.5 else 'NOT met'})")
    from nlp.realdata import shared_data_dir, teddy_posts

    root = shared_data_dir()
    if root is not None:
        real = [f"{p.title}\n{p.text}" for p in teddy_posts(root)]
        share = agreement(real)
        print(
            f"tokenizer agreement with jieba (same user dictionary) on {len(real)} real messages: {share:.2%}"
            f" (target >= 99%: {'met' if share >= 0.99 else 'NOT met'})"
        )
    else:
        print("tokenizer agreement: shared data not found, not measured")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
