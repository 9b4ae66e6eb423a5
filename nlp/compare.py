"""Compare model families: cross-validation on our corpus, then the check set and the real messages.

    python -m nlp.compare [--families logistic svm nb sgd] [--folds 5] [--thresholds] [--teddy] [--no-heldout]

For each family: stratified k-fold cross-validation of the relevance and category heads on the shipped
corpus (fast, uncalibrated: a positive score means relevant), then a model fitted on the whole corpus and
measured, as shipped (calibrated, with the model's threshold), on the fixed check set and, when the shared
data is there, on the real development and held-out halves (``nlp.realdata``), with the generic-title
test (how many relevant real posts are still flagged when their title is replaced by each of 投诉, 求助,
反映问题, 扰民 and 环境污染). ``--thresholds`` also prints the development F1 at several relevance
thresholds and the cross-validated choice (how the shipped threshold is chosen: on the development half
only; the held-out half is only ever reported). ``--teddy`` also counts the posts flagged among the ~10,000
distinct real messages of the TipDM set (``nlp.realdata.teddy_posts``, strict labels: almost all of them
are other offices' matters), a false-positive check larger than either half, and the same count on the part
of it that may be read and tuned on (``nlp.realdata.teddy_tuning_posts``: no held-out message or copy of one).
``--no-heldout`` is for tuning runs: nothing that reads the held-out half (its figures, the whole TipDM set).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from nlp.classifier import Settings, TextModel
from nlp.corpus import Example, read_examples, seed_files
from nlp.evaluation import LabelledPost, check_set, evaluate
from nlp.features import FeatureSpace, extract
from nlp.heads import FAMILIES, fit_linear
from nlp.realdata import real_sets, shared_data_dir, teddy_posts, teddy_tuning_posts

THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998)


def cross_validate(family: str, examples: list[Example], folds: int) -> dict[str, float]:
    """Relevance precision/recall/F1 and category accuracy of ``family`` over k folds of the corpus."""
    extracted = [extract(e.title, e.text) for e in examples]
    relevant = np.array([e.relevant for e in examples])
    categories = np.array([e.category for e in examples])
    settings = Settings(family=family)
    tp = fp = fn = correct = total = 0
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=11)
    for train, test in splits.split(np.zeros(len(examples)), categories):
        space = FeatureSpace().fit([extracted[i] for i in train])
        train_matrix = space.matrix([extracted[i] for i in train])
        test_matrix = space.matrix([extracted[i] for i in test])
        relevance = fit_linear(family, train_matrix, relevant[train], c=settings.c_relevance)
        predicted = relevance.scores(test_matrix) > 0
        truth = relevant[test]
        tp += int((predicted & truth).sum())
        fp += int((predicted & ~truth).sum())
        fn += int((~predicted & truth).sum())
        on_topic = relevant[train]
        category = fit_linear(family, train_matrix[on_topic], categories[train][on_topic], c=settings.c_category)
        gold = truth.nonzero()[0]
        best = np.asarray(category.scores(test_matrix[gold])).argmax(axis=1)
        correct += int(sum(category.classes[b] == categories[test][g] for b, g in zip(best, gold, strict=True)))
        total += len(gold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "category_accuracy": correct / total if total else 0.0}


def measured(model: TextModel, sets: dict[str, list[LabelledPost]]) -> dict[str, dict[str, Any]]:
    """The shipped model's figures on each set."""
    return {name: evaluate(posts, model.predict, keep_errors=0) for name, posts in sets.items()}


def _line(name: str, figures: dict[str, Any]) -> str:
    rel = figures["relevance"]
    return (
        f"  {name:<9} P {rel['precision']:.3f} R {rel['recall']:.3f} F1 {rel['f1']:.3f}"
        f"  category {figures['category_accuracy']:.3f}"
        f"  traps {figures['traps']['flagged']}/{figures['traps']['total']}"
    )


GENERIC_TITLES = ("投诉", "求助", "反映问题", "扰民", "环境污染")


def generic_titles(model: TextModel, posts: list[LabelledPost]) -> tuple[int, int, int]:
    """(relevant posts, flagged under their own title, flagged under every generic title)."""
    relevant = [p for p in posts if p.relevant]
    own = sum(model.predict(p.title, p.text).relevant for p in relevant)
    every = sum(all(model.predict(title, p.text).relevant for title in GENERIC_TITLES) for p in relevant)
    return len(relevant), own, every


def _counts(predicted: np.ndarray, truth: np.ndarray) -> tuple[int, int, int]:
    return (
        int((predicted & truth).sum()),
        int((predicted & ~truth).sum()),
        int((~predicted & truth).sum()),
    )


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def threshold_table(model: TextModel, posts: list[LabelledPost]) -> list[str]:
    """Development F1 at each relevance threshold, and the threshold chosen by cross-validation on the half."""
    probabilities = np.array([model.probabilities(p.title, p.text)[0] for p in posts])
    truth = np.array([p.relevant for p in posts])
    traps = np.array([p.is_trap for p in posts])
    lines = []
    for threshold in THRESHOLDS:
        predicted = probabilities >= threshold
        tp, fp, fn = _counts(predicted, truth)
        lines.append(
            f"  threshold {threshold:<6} F1 {_f1(tp, fp, fn):.3f}"
            f" (tp {tp} fp {fp} fn {fn}, traps {int((predicted & traps).sum())})"
        )
    # Posts shorter than the model's short length at each threshold, the longer ones at the shipped threshold.
    short = np.array([len(p.title) + len(p.text) < model.settings.short_length for p in posts])
    long_flags = ~short & (probabilities >= model.settings.relevant_threshold)
    for threshold in THRESHOLDS:
        predicted = long_flags | (short & (probabilities >= threshold))
        tp, fp, fn = _counts(predicted, truth)
        lines.append(
            f"  posts under {model.settings.short_length} characters at {threshold:<6} F1 {_f1(tp, fp, fn):.3f}"
            f" (tp {tp} fp {fp} fn {fn}, traps {int((predicted & traps).sum())}; {int(short.sum())} short posts)"
        )
    chosen_short, pooled_short = cross_validated_threshold(probabilities, truth, short=short, fixed=long_flags)
    lines.append(
        f"  cross-validated choice for the short posts (5 folds x {REPEATS}, longer posts at"
        f" {model.settings.relevant_threshold}): threshold {chosen_short}, F1 on the left-out folds {pooled_short:.3f}"
    )
    chosen, pooled = cross_validated_threshold(probabilities, truth)
    lines.append(
        f"  cross-validated choice (5 folds x {REPEATS}): threshold {chosen} (median of the folds' choices),"
        f" F1 on the left-out folds {pooled:.3f}"
    )
    return lines


REPEATS = 40


def teddy_flags(model: TextModel, posts: list[LabelledPost]) -> tuple[int, int, int]:
    """(flagged, flagged and labelled relevant, labelled relevant) among the TipDM messages."""
    flagged = [
        post
        for post in posts
        if model.probabilities(post.title, post.text)[0] >= model.threshold(len(post.title) + len(post.text))
    ]
    return len(flagged), sum(post.relevant for post in flagged), sum(post.relevant for post in posts)


def cross_validated_threshold(
    probabilities: np.ndarray,
    truth: np.ndarray,
    *,
    short: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
) -> tuple[float, float]:
    """The threshold to ship and an honest estimate of its F1: each fold's threshold is the best on the other
    folds and is scored on the fold; the shipped one is the median of those choices. With ``short`` the
    threshold applies to those posts only and the others are decided by ``fixed``."""
    choices: list[float] = []
    tp = fp = fn = 0
    grid = np.asarray(THRESHOLDS)
    chosen = np.ones(len(truth), dtype=bool) if short is None else short
    others = np.zeros(len(truth), dtype=bool) if fixed is None else fixed & ~chosen

    def decide(rows: np.ndarray, threshold: float) -> np.ndarray:
        return others[rows] | (chosen[rows] & (probabilities[rows] >= threshold))

    for repeat in range(REPEATS):
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=repeat)
        for train, test in folds.split(probabilities.reshape(-1, 1), truth):
            scores = [_f1(*_counts(decide(train, t), truth[train])) for t in grid]
            best = float(grid[int(np.argmax(scores))])
            choices.append(best)
            a, b, c = _counts(decide(test, best), truth[test])
            tp, fp, fn = tp + a, fp + b, fn + c
    return float(np.median(choices)), _f1(tp, fp, fn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--thresholds", action="store_true", help="development F1 at several thresholds")
    parser.add_argument("--teddy", action="store_true", help="posts flagged among the TipDM messages (strict labels)")
    parser.add_argument(
        "--no-heldout",
        action="store_true",
        help="while tuning: leave out every figure that reads the held-out half (and the whole TipDM set)",
    )
    args = parser.parse_args(argv)
    root = shared_data_dir() if args.teddy else None
    teddy = teddy_posts(root) if root is not None and not args.no_heldout else []
    # The part of TipDM that may be read for errors: no message of the held-out half, nor a copy of one.
    tuning = teddy_tuning_posts(root) if root is not None else []
    examples = list(read_examples(seed_files()))
    sets: dict[str, list[LabelledPost]] = {"check": check_set(), **(real_sets() or {})}
    if args.no_heldout:
        sets.pop("heldout", None)
    if "dev" not in sets:
        print("shared data not found: real figures are not measured", file=sys.stderr)
    print(f"corpus: {len(examples)} examples; sets: " + ", ".join(f"{k} {len(v)}" for k, v in sets.items()))
    for family in args.families:
        start = time.perf_counter()
        cv = cross_validate(family, examples, args.folds)
        model = TextModel(Settings(family=family)).fit(examples)
        print(
            f"{family}: {args.folds}-fold cross-validation on the corpus: P {cv['precision']:.3f} R {cv['recall']:.3f}"
            f" F1 {cv['f1']:.3f} category {cv['category_accuracy']:.3f} ({time.perf_counter() - start:.0f} s)"
        )
        for name, figures in measured(model, sets).items():
            print(_line(name, figures))
            if name in ("dev", "heldout"):
                total, own, every = generic_titles(model, sets[name])
                print(f"  {name:<9} generic titles: {every} of {total} relevant flagged under every one ({own} own)")
        if args.thresholds and "dev" in sets:
            print("\n".join(threshold_table(model, sets["dev"])))
        if teddy:
            flagged, right, relevant = teddy_flags(model, teddy)
            print(
                f"  TipDM set: {len(teddy)} messages ({relevant} relevant by the strict labels): {flagged} flagged,"
                f" {right} of them relevant, {flagged - right} false positives"
            )
        if tuning:
            flagged, right, relevant = teddy_flags(model, tuning)
            print(
                f"  TipDM minus held-out (tuning): {len(tuning)} messages ({relevant} relevant): {flagged} flagged,"
                f" {right} of them relevant, {flagged - right} false positives"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
