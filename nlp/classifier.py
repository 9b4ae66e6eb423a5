"""The text models: linear heads over one feature space, calibrated where a threshold is applied.

Heads: relevance (is this the center's business), category (among the seven relevant codes),
needs_response, severity and sentiment. Relevance and needs_response are calibrated with Platt
scaling on cross-validated scores, so their thresholds are probabilities. The severity model's answer
can only be raised by the explainable rules of ``resources/severity_rules.yaml``. Every prediction
carries the terms that pushed it (``reasons``).

Fitting uses scikit-learn; prediction is one sparse row times one weight matrix, so a post is
classified in well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from nlp.corpus import Example
from nlp.features import FeatureSpace
from nlp.lexicon import SEVERITY_ORDER, apply_severity_rules, lexicon
from nlp.tokenize import tokenize

RELEVANT_CATEGORIES = ("epidemic", "pollution", "slaughter", "product_safety", "policy", "market", "conduct")
SEVERITIES = ("一般", "较大", "重大")
SENTIMENTS = ("negative", "neutral", "positive")
REASON_LIMIT = 6


@dataclass(slots=True)
class Prediction:
    """What the models say about one post."""

    relevant: bool
    category: str
    needs_response: bool
    severity: str
    sentiment: str
    score: float
    p_relevant: float
    p_needs_response: float
    category_probabilities: dict[str, float]
    reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Platt:
    """A sigmoid mapping a linear score to a calibrated probability."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, score: float) -> float:
        return float(1.0 / (1.0 + np.exp(-(self.a * score + self.b))))


@dataclass(slots=True)
class Thresholds:
    """Decision thresholds on calibrated probabilities (chosen on evaluation data, stored with the model)."""

    relevant: float = 0.5
    # A titled post whose title names no livestock matter is usually about something else that
    # mentions livestock in passing (a pigsty pulled down with a house): it must be surer.
    relevant_body_only: float = 0.995
    # Without any livestock term at all (after traps) a post must be surer still.
    relevant_without_lexicon: float = 0.998
    needs_response: float = 0.5

    def for_post(self, *, title: str, text: str) -> float:
        """The relevance threshold that applies to a post, from where its livestock terms are."""
        lex = lexicon()
        if not lex.hits(f"{title}\n{text}"):
            return self.relevant_without_lexicon
        if title.strip() and not [term for term in lex.hits(title) if term not in weak_terms()]:
            return self.relevant_body_only
        return self.relevant


@lru_cache(maxsize=1)
def weak_terms() -> frozenset[str]:
    """Lexicon terms that often name something else (粪水 of a sewer, 黄牛 the ticket tout, 犬只 of a
    dog-keeping rule): in a title they do not say the post is about a livestock matter."""
    path = Path(__file__).with_name("resources") / "weak_terms.txt"
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def _logistic(c: float) -> LogisticRegression:
    # The dual formulation is much faster when there are more features than examples, as with text.
    return LogisticRegression(C=c, solver="liblinear", dual=True, class_weight="balanced", max_iter=2000)


@dataclass(slots=True)
class Linear:
    """A fitted linear head: one row of weights per class (one row for a binary head)."""

    classes: list[Any]
    coef: np.ndarray
    intercept: np.ndarray


def _fit_linear(matrix: Any, labels: Sequence[Any] | np.ndarray, c: float) -> Linear:
    """One-vs-rest logistic regression (liblinear is fast on sparse text features)."""
    target = np.asarray(labels)
    classes = sorted(set(target.tolist()))
    if len(classes) < 2:
        raise ValueError(f"a head needs at least two labels, got {classes}")
    if len(classes) == 2:
        model = _logistic(c).fit(matrix, target)
        return Linear([*model.classes_.tolist()], np.asarray(model.coef_), np.asarray(model.intercept_))
    rows, intercepts = [], []
    for value in classes:
        model = _logistic(c).fit(matrix, target == value)
        rows.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    return Linear(classes, np.vstack(rows), np.asarray(intercepts))


def _platt(model: LogisticRegression, matrix: Any, labels: np.ndarray, folds: int = 5) -> Platt:
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    scores = cross_val_predict(model, matrix, labels, cv=splits, method="decision_function")
    sigmoid = LogisticRegression(C=1e4, solver="lbfgs").fit(np.asarray(scores).reshape(-1, 1), labels)
    return Platt(a=float(sigmoid.coef_[0][0]), b=float(sigmoid.intercept_[0]))


class TextModel:
    """All heads over one feature space; fit on labelled examples, predict one post at a time."""

    def __init__(
        self,
        *,
        c_relevance: float = 2.0,
        c_category: float = 4.0,
        c_other: float = 2.0,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.features = FeatureSpace()
        self.c_relevance = c_relevance
        self.c_category = c_category
        self.c_other = c_other
        self.thresholds = thresholds or Thresholds()
        self.categories: list[str] = []
        self.severities: list[str] = []
        self.sentiments: list[str] = []
        self.weights = np.zeros((0, 0))
        self.intercepts = np.zeros(0)
        self.rows: dict[str, slice] = {}
        self._readable: np.ndarray | None = None
        self.relevance_calibration = Platt()
        self.needs_calibration = Platt()

    def fit(self, examples: Sequence[Example]) -> TextModel:
        """Train every head on the labelled examples."""
        relevant = np.array([e.relevant for e in examples])
        if relevant.all() or not relevant.any():
            raise ValueError("the corpus needs examples of 'other' and of at least one relevant category")
        self.features.fit([(e.title, e.text) for e in examples])
        matrix = self.features.matrix([(e.title, e.text) for e in examples])

        relevance = _fit_linear(matrix, relevant, self.c_relevance)
        self.relevance_calibration = _platt(_logistic(self.c_relevance), matrix, relevant)

        on_topic = matrix[relevant]
        topic_examples = [e for e in examples if e.relevant]
        category = _fit_linear(on_topic, [e.category for e in topic_examples], self.c_category)
        needs_labels = np.array([e.needs_response for e in topic_examples])
        needs = _fit_linear(on_topic, needs_labels, self.c_other)
        self.needs_calibration = _platt(_logistic(self.c_other), on_topic, needs_labels)
        urgent = matrix[np.array([e.relevant and e.needs_response for e in examples])]
        severity = _fit_linear(urgent, [e.severity for e in examples if e.relevant and e.needs_response], self.c_other)
        sentiment = _fit_linear(matrix, [e.sentiment for e in examples], self.c_other)

        self.categories = [str(c) for c in category.classes]
        self.severities = [str(c) for c in severity.classes]
        self.sentiments = [str(c) for c in sentiment.classes]
        blocks: list[tuple[str, Linear]] = [
            ("relevance", relevance),
            ("category", category),
            ("needs", needs),
            ("severity", severity),
            ("sentiment", sentiment),
        ]
        weights, intercepts, start = [], [], 0
        for name, model in blocks:
            coef = model.coef
            weights.append(coef)
            intercepts.append(model.intercept)
            self.rows[name] = slice(start, start + coef.shape[0])
            start += coef.shape[0]
        # Column-major so that picking the columns of one post's features is a contiguous read.
        self.weights = np.asfortranarray(np.vstack(weights))
        self.intercepts = np.concatenate(intercepts)
        self._readable = None
        self._readable_mask()
        return self

    def scores(self, title: str, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Linear scores of every head for one post, with the post's feature indices and values."""
        indices, values = self.features.row(title, text, tokenize(f"{title}\n{text}"))
        return self.weights[:, indices] @ values + self.intercepts, indices, values

    def predict(self, title: str, text: str) -> Prediction:
        """Labels, calibrated probabilities, a priority score and the reasons for one post."""
        raw, indices, values = self.scores(title, text)
        full = f"{title}\n{text}"
        p_relevant = self.relevance_calibration(float(raw[self.rows["relevance"]][0]))
        relevant = p_relevant >= self.thresholds.for_post(title=title, text=text)

        category_scores = raw[self.rows["category"]]
        category_probabilities = _normalised_sigmoid(category_scores)
        best = int(np.argmax(category_scores))
        p_needs = self.needs_calibration(float(raw[self.rows["needs"]][0]))
        needs_response = relevant and p_needs >= self.thresholds.needs_response

        severity = "一般"
        rule_reasons: list[dict[str, Any]] = []
        if needs_response:
            severity = self.severities[int(np.argmax(raw[self.rows["severity"]]))]
            severity, rule_reasons = apply_severity_rules(full, severity)
        sentiment = self.sentiments[int(np.argmax(raw[self.rows["sentiment"]]))]

        row = self.rows["category"].start + best if relevant else self.rows["relevance"].start
        sign = 1.0 if relevant else -1.0
        reasons = self._reasons(row, indices, values, sign)
        reasons += [
            {"term": "、".join(r["terms"]), "weight": 1.0, "rule": r["label"], "raise_to": r["raise_to"]}
            for r in rule_reasons
            if SEVERITY_ORDER[r["raise_to"]] > 0
        ]
        return Prediction(
            relevant=relevant,
            category=self.categories[best] if relevant else "other",
            needs_response=needs_response,
            severity=severity,
            sentiment=sentiment,
            score=round(p_relevant * p_needs, 4),
            p_relevant=round(p_relevant, 4),
            p_needs_response=round(p_needs, 4),
            category_probabilities={
                c: round(float(p), 4) for c, p in zip(self.categories, category_probabilities, strict=False)
            },
            reasons=reasons,
        )

    def _reasons(self, row: int, indices: np.ndarray, values: np.ndarray, sign: float) -> list[dict[str, Any]]:
        if len(indices) == 0:
            return []
        readable = self._readable_mask()[indices]
        contributions = np.where(readable, self.weights[row, indices] * values * sign, 0.0)
        candidates = min(len(contributions), REASON_LIMIT * 4)
        top = np.argpartition(-contributions, candidates - 1)[:candidates]
        reasons: list[dict[str, Any]] = []
        seen: set[str] = set()
        for position in top[np.argsort(-contributions[top])]:
            weight = float(contributions[position])
            if weight <= 0 or len(reasons) == REASON_LIMIT:
                break
            term = self.features.names[int(indices[position])].removeprefix("标题:").replace(" ", "")
            if term in seen or any(term in other or other in term for other in seen):
                continue
            seen.add(term)
            reasons.append({"term": term, "weight": round(weight, 4)})
        return reasons

    def _readable_mask(self) -> np.ndarray:
        mask = self._readable
        if mask is None or len(mask) != self.features.size:
            mask = np.array([self.features.readable(i) for i in range(self.features.size)], dtype=bool)
            self._readable = mask
        return mask


def _normalised_sigmoid(scores: np.ndarray) -> np.ndarray:
    probabilities = 1.0 / (1.0 + np.exp(-scores))
    total = probabilities.sum()
    return probabilities / total if total else probabilities
