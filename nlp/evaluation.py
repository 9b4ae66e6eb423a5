"""Evaluation: relevance precision/recall/F1, category accuracy, per-class figures, confusion, traps.

Used by ``muqing eval --data FILE``, by the registry (every trained version stores its figures), and
when a retrained model is compared with the active one before it may replace it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlp.classifier import RELEVANT_CATEGORIES, Prediction
from nlp.lexicon import lexicon
from nlp.lines import post_row

CATEGORIES = (*RELEVANT_CATEGORIES, "other")
CHECK_SET = Path(__file__).resolve().parent / "corpus" / "checkset.yaml"


@dataclass(frozen=True, slots=True)
class LabelledPost:
    """A post with its true labels (``needs_response`` may be unknown)."""

    id: str
    title: str
    text: str
    category: str
    needs_response: bool | None = None
    trap: bool | None = None

    @property
    def relevant(self) -> bool:
        """True when the post is the center's business."""
        return self.category != "other"

    @property
    def is_trap(self) -> bool:
        """A keyword trap: not our business, yet it contains a livestock word or a trap phrase."""
        if self.trap is not None:
            return self.trap
        if self.relevant:
            return False
        full = f"{self.title}\n{self.text}"
        return bool(lexicon().trap_hits(full) or lexicon().hits(full))


def read_labelled(path: Path) -> list[LabelledPost]:
    """Labelled posts from JSON lines: {"id","title","text","category"} (+ optional "needs_response", "trap").

    ``"relevant": false`` without a category means ``other``. A bad line raises ValueError naming it.
    """
    posts: list[LabelledPost] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row, title, text = post_row(line)
                category = row.get("category") or ("other" if row.get("relevant") is False else None)
                if category not in CATEGORIES:
                    raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
                posts.append(
                    LabelledPost(
                        id=str(row.get("id", number)),
                        title=title,
                        text=text,
                        category=category,
                        needs_response=row.get("needs_response"),
                        trap=row.get("trap"),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
    return posts


def check_set() -> list[LabelledPost]:
    """The fixed check set: our own posts mirroring the real error kinds (never trained on)."""
    data = yaml.safe_load(CHECK_SET.read_text(encoding="utf-8"))
    return [
        LabelledPost(
            id=f"check:{row['id']}",
            title=row.get("title") or "",
            text=row["text"],
            category=row["category"],
            needs_response=row["category"] != "other",
            trap=bool(row.get("trap", False)),
        )
        for row in data["posts"]
    ]


def _ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


def _f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def evaluate(
    posts: Sequence[LabelledPost], predict: Callable[[str, str], Prediction], *, keep_errors: int = 50
) -> dict[str, Any]:
    """Every figure of the issue for ``predict`` on ``posts`` (plain data, ready for JSON)."""
    predictions = [predict(post.title, post.text) for post in posts]
    return report(posts, predictions, keep_errors=keep_errors)


def report(
    posts: Sequence[LabelledPost], predictions: Sequence[Prediction], *, keep_errors: int = 50
) -> dict[str, Any]:
    """The figures for already computed predictions."""
    tp = fp = fn = tn = 0
    confusion: dict[str, Counter[str]] = {c: Counter() for c in CATEGORIES}
    errors: list[dict[str, Any]] = []
    traps_total = traps_flagged = 0
    flagged_traps: list[str] = []
    needs = Counter[str]()
    for post, prediction in zip(posts, predictions, strict=True):
        predicted = prediction.category if prediction.relevant else "other"
        confusion[post.category][predicted] += 1
        if prediction.relevant and post.relevant:
            tp += 1
        elif prediction.relevant:
            fp += 1
        elif post.relevant:
            fn += 1
        else:
            tn += 1
        if predicted != post.category and len(errors) < keep_errors:
            errors.append(
                {
                    "id": post.id,
                    "title": post.title[:60],
                    "expected": post.category,
                    "predicted": predicted,
                    "p_relevant": prediction.p_relevant,
                }
            )
        if post.is_trap:
            traps_total += 1
            if prediction.relevant:
                traps_flagged += 1
                flagged_traps.append(post.id)
        if post.relevant and post.needs_response is not None:
            needs[f"{post.needs_response}:{prediction.needs_response}"] += 1
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    gold_relevant = [p for p in posts if p.relevant]
    correct = sum(confusion[c][c] for c in RELEVANT_CATEGORIES)
    found = tp
    correct_when_found = correct
    per_class: dict[str, dict[str, float]] = {}
    for category in CATEGORIES:
        true_positive = confusion[category][category]
        predicted_total = sum(confusion[gold][category] for gold in CATEGORIES)
        support = sum(confusion[category].values())
        p, r = _ratio(true_positive, predicted_total), _ratio(true_positive, support)
        per_class[category] = {"precision": p, "recall": r, "f1": _f1(p, r), "support": support}
    relevant_classes = [c for c in RELEVANT_CATEGORIES if per_class[c]["support"]]
    figures: dict[str, Any] = {
        "examples": len(posts),
        "relevance": {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
        },
        "category_accuracy": _ratio(correct, len(gold_relevant)),
        "category_accuracy_when_flagged": _ratio(correct_when_found, found),
        "category_macro_f1": round(sum(per_class[c]["f1"] for c in relevant_classes) / len(relevant_classes), 4)
        if relevant_classes
        else 0.0,
        "per_class": per_class,
        "confusion": {gold: dict(counts) for gold, counts in confusion.items() if counts},
        "traps": {"total": traps_total, "flagged": traps_flagged, "ids": flagged_traps[:keep_errors]},
        "errors": errors,
    }
    if sum(needs.values()):
        figures["needs_response_accuracy"] = _ratio(needs["True:True"] + needs["False:False"], sum(needs.values()))
    figures["score"] = comparison_score(figures)
    return figures


def comparison_score(figures: dict[str, Any]) -> float:
    """One number for a quick look: mean of relevance F1 and category accuracy (the gate uses each on its own)."""
    return round((figures["relevance"]["f1"] + figures["category_accuracy"]) / 2, 4)


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures a model card and the activation gate keep: P, R, F1, category accuracy, confusion, traps."""
    relevance = figures["relevance"]
    return {
        "examples": figures["examples"],
        "precision": relevance["precision"],
        "recall": relevance["recall"],
        "f1": relevance["f1"],
        "category_accuracy": figures["category_accuracy"],
        "confusion": figures["confusion"],
        "traps": {"total": figures["traps"]["total"], "flagged": figures["traps"]["flagged"]},
        "score": figures["score"],
    }


def gate(candidate: dict[str, Any], active: dict[str, Any]) -> tuple[bool, str]:
    """Whether a candidate may replace the active model, with the reason in words (中文).

    Both are summaries on the same check set. The candidate must be at least as good on relevance F1 and
    on category accuracy, and flag no more keyword traps; a candidate that is lower on any of them is
    refused, and the reason names each figure that is lower.
    """
    worse: list[str] = []
    if candidate["f1"] < active["f1"]:
        worse.append(f"相关性 F1 {candidate['f1']:.3f} 低于当前的 {active['f1']:.3f}")
    if candidate["category_accuracy"] < active["category_accuracy"]:
        worse.append(f"类别准确率 {candidate['category_accuracy']:.3f} 低于当前的 {active['category_accuracy']:.3f}")
    if candidate["traps"]["flagged"] > active["traps"]["flagged"]:
        worse.append(f"误报关键词陷阱 {candidate['traps']['flagged']} 条，多于当前的 {active['traps']['flagged']} 条")
    if worse:
        return False, "候选模型在固定核验集上" + "；".join(worse) + "，未启用"
    return True, (
        f"候选模型在固定核验集上相关性 F1 {candidate['f1']:.3f}（当前 {active['f1']:.3f}）、"
        f"类别准确率 {candidate['category_accuracy']:.3f}（当前 {active['category_accuracy']:.3f}）、"
        f"误报陷阱 {candidate['traps']['flagged']} 条（当前 {active['traps']['flagged']} 条），"
        "各项均不差于当前模型，已启用"
    )


def format_report(figures: dict[str, Any]) -> str:
    """A plain-text table of the figures, for the command line."""
    rel = figures["relevance"]
    lines = [
        f"examples: {figures['examples']}",
        f"relevance: precision {rel['precision']:.3f}  recall {rel['recall']:.3f}  F1 {rel['f1']:.3f}"
        f"  (tp {rel['tp']}, fp {rel['fp']}, fn {rel['fn']}, tn {rel['tn']})",
        f"category accuracy on the relevant posts: {figures['category_accuracy']:.3f}"
        f"  (on those flagged relevant: {figures['category_accuracy_when_flagged']:.3f};"
        f" macro F1 {figures['category_macro_f1']:.3f})",
        f"keyword traps flagged: {figures['traps']['flagged']} of {figures['traps']['total']}",
        "",
        f"{'class':<16}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}",
    ]
    for category, row in figures["per_class"].items():
        if row["support"] or row["precision"]:
            lines.append(
                f"{category:<16}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>9}"
            )
    columns = [c for c in CATEGORIES if any(c in row for row in figures["confusion"].values())]
    lines += ["", "confusion (rows: expected, columns: predicted)", " " * 16 + "".join(f"{c[:8]:>9}" for c in columns)]
    for gold, row in figures["confusion"].items():
        lines.append(f"{gold:<16}" + "".join(f"{row.get(c, 0):>9}" for c in columns))
    return "\n".join(lines)


def as_labelled(examples: Iterable[Any]) -> list[LabelledPost]:
    """Corpus examples as labelled posts."""
    return [
        LabelledPost(id=e.id, title=e.title, text=e.text, category=e.category, needs_response=e.needs_response)
        for e in examples
    ]
