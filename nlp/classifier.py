"""The text models: linear heads over one feature space, calibrated, with corrections that take precedence.

Heads: relevance (is this the center's business), category (among the seven relevant codes),
needs_response, severity and sentiment, all of the family named in ``Settings`` (``heads.py``).
Relevance is calibrated with Platt scaling on cross-validated scores and decided by one probability
threshold, whatever the title says. Category probabilities are a softmax with a fitted temperature.

Staff corrections weigh more than corpus examples when fitting, and they are also kept as a
nearest-neighbour layer: a post whose features are nearly those of a corrected post (cosine at least
``Settings.correction_similarity``) gets the corrected decision, so a correction is honoured for the post
and its near-identical variants as soon as the model is retrained.

The severity model's answer can only be raised by the explainable rules of ``resources/severity_rules.yaml``.
Every prediction carries readable reasons (``reasons.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from nlp.corpus import Example
from nlp.dense import tone
from nlp.features import Extracted, FeatureSpace
from nlp.heads import Linear, Platt, cross_scores, fit_linear, fit_platt, fit_temperature, normalised_rows, softmax
from nlp.lexicon import SEVERITY_ORDER, apply_severity_rules
from nlp.reasons import character_weights, phrases

RELEVANT_CATEGORIES = ("epidemic", "pollution", "slaughter", "product_safety", "policy", "market", "conduct")
SEVERITIES = ("一般", "较大", "重大")
SENTIMENTS = ("negative", "neutral", "positive")


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
    correction: dict[str, Any] | None = None
    uncertainty: float = 0.0


@dataclass(slots=True)
class Settings:
    """How a model is built: the family of its heads, their regularisation and the thresholds."""

    family: str = "logistic"
    c_relevance: float = 2.0
    c_category: float = 4.0
    c_other: float = 2.0
    # Chosen on the development half of the real messages (``python -m nlp.compare --thresholds``): the
    # calibration comes from cross-validation on our own corpus, where the classes separate more easily
    # than in real letters, so real posts need a surer probability.
    relevant_threshold: float = 0.99
    # A post shorter than ``short_length`` characters (title and text) is relevant from ``short_threshold``:
    # the surer threshold above is there for long letters that tell of animals inside another office's
    # matter, while a short plain complaint (猪肉怎么又涨了…) has too few words to reach it. Both chosen on
    # the development half (``python -m nlp.compare --thresholds``).
    short_length: int = 100
    short_threshold: float = 0.95
    needs_threshold: float = 0.5
    correction_weight: float = 8.0
    correction_similarity: float = 0.8


@dataclass(slots=True)
class Correction:
    """A staff correction kept for the nearest-neighbour layer."""

    id: str
    category: str
    needs_response: bool
    severity: str


class TextModel:
    """All heads over one feature space; fit on labelled examples, predict one post at a time."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.features = FeatureSpace()
        self.categories: list[str] = []
        self.severities: list[str] = []
        self.sentiments: list[str] = []
        self.weights = np.zeros((0, 0))
        self.intercepts = np.zeros(0)
        self.rows: dict[str, slice] = {}
        self.relevance_calibration = Platt()
        self.needs_calibration = Platt()
        self.category_temperature = 1.0
        self.corrections: list[Correction] = []
        self.correction_rows = sparse.csr_matrix((0, 0))
        self.trained_on: dict[str, int] = {}

    def fit(self, examples: Sequence[Example], *, corrected: Sequence[bool] | None = None) -> TextModel:
        """Train every head; ``corrected`` marks staff corrections (weighted up, and kept as neighbours)."""
        relevant = np.array([e.relevant for e in examples])
        if relevant.all() or not relevant.any():
            raise ValueError("the corpus needs examples of 'other' and of at least one relevant category")
        flags = np.asarray(corrected if corrected is not None else [False] * len(examples), dtype=bool)
        weights = np.where(flags, self.settings.correction_weight, 1.0)
        extracted = [self.features.extract(e.title, e.text) for e in examples]
        self.features.fit(extracted)
        matrix = self.features.matrix(extracted)
        self._fit_heads(examples, matrix, relevant, weights)
        self.corrections = [
            Correction(e.id, e.category, e.needs_response, e.severity)
            for e, flag in zip(examples, flags, strict=True)
            if flag
        ]
        self.correction_rows = (
            normalised_rows(matrix[flags]) if flags.any() else sparse.csr_matrix((0, matrix.shape[1]))
        )
        self.trained_on = {c: sum(1 for e in examples if e.category == c) for c in (*RELEVANT_CATEGORIES, "other")}
        return self

    def _fit_heads(self, examples: Sequence[Example], matrix: Any, relevant: np.ndarray, weights: np.ndarray) -> None:
        family, s = self.settings.family, self.settings
        relevance = fit_linear(family, matrix, relevant, c=s.c_relevance, weights=weights)
        scores = cross_scores(family, matrix, relevant, c=s.c_relevance, weights=weights)
        self.relevance_calibration = fit_platt(scores, relevant)

        on_topic = matrix[relevant]
        topic = [e for e in examples if e.relevant]
        topic_weights = weights[relevant]
        labels = np.array([e.category for e in topic])
        category = fit_linear(family, on_topic, labels, c=s.c_category, weights=topic_weights, one_vs_rest=True)
        category_scores = cross_scores(
            family, on_topic, labels, c=s.c_category, weights=topic_weights, one_vs_rest=True
        )
        truth = np.array([category.classes.index(label) for label in labels])
        self.category_temperature = fit_temperature(category_scores, truth)

        # Whether an answer is due, how grave and in what tone are read from the words, not from how much of
        # the letter is about livestock: short news items are all livestock and need no answer, long
        # complaints are diluted by greetings and other matters, and the matter features would learn that.
        wording = self.features.without_matters(matrix)
        needs_labels = np.array([e.needs_response for e in topic])
        needs = fit_linear("logistic", wording[relevant], needs_labels, c=s.c_other, weights=topic_weights)
        self.needs_calibration = fit_platt(
            cross_scores("logistic", wording[relevant], needs_labels, c=s.c_other, weights=topic_weights),
            needs_labels,
        )
        urgent = np.array([e.relevant and e.needs_response for e in examples])
        severity = fit_linear(
            "logistic", wording[urgent], [e.severity for e in examples if e.relevant and e.needs_response], c=s.c_other
        )
        # Corrections say nothing about the writer's stance: the sentiment head learns from the corpus only.
        plain = weights == 1.0
        sentiment = fit_linear(
            "logistic",
            wording[plain],
            [e.sentiment for e, keep in zip(examples, plain, strict=True) if keep],
            c=s.c_other,
        )

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
        rows, intercepts, start = [], [], 0
        for name, head in blocks:
            rows.append(head.coef)
            intercepts.append(head.intercept)
            self.rows[name] = slice(start, start + head.coef.shape[0])
            start += head.coef.shape[0]
        # Column-major so that picking the columns of one post's features is a contiguous read.
        self.weights = np.asfortranarray(np.vstack(rows))
        self.intercepts = np.concatenate(intercepts)

    def scores(self, extracted: Extracted) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Linear scores of every head for one post, with the post's feature indices and values."""
        indices, values = self.features.row(extracted)
        return self.weights[:, indices] @ values + self.intercepts, indices, values

    def probabilities(self, title: str, text: str) -> tuple[float, dict[str, float]]:
        """P(relevant) and the category probabilities, without reasons (for evaluation and the labelling queue)."""
        raw, _, _ = self.scores(self.features.extract(title, text))
        return self._probabilities(raw)

    def _probabilities(self, raw: np.ndarray) -> tuple[float, dict[str, float]]:
        p_relevant = self.relevance_calibration(float(raw[self.rows["relevance"]][0]))
        category = softmax(raw[self.rows["category"]], self.category_temperature)
        return p_relevant, {c: float(p) for c, p in zip(self.categories, category, strict=True)}

    def predict(self, title: str, text: str) -> Prediction:
        """Labels, calibrated probabilities, a priority score and the reasons for one post."""
        extracted = self.features.extract(title, text)
        raw, indices, values = self.scores(extracted)
        p_relevant, category_probabilities = self._probabilities(raw)
        threshold = self.threshold(len(title) + len(text))
        relevant = p_relevant >= threshold
        category = max(category_probabilities, key=category_probabilities.__getitem__)
        p_needs = self.needs_calibration(float(raw[self.rows["needs"]][0]))
        needs_response = relevant and p_needs >= self.settings.needs_threshold
        model_severity = self.severities[int(np.argmax(raw[self.rows["severity"]]))]

        correction = self._nearest_correction(indices, values)
        if correction is not None:
            fix, _ = correction
            relevant = fix.category != "other"
            category = fix.category if relevant else category
            needs_response = relevant and fix.needs_response
            model_severity = fix.severity
        severity = "一般"
        rule_reasons: list[dict[str, Any]] = []
        if needs_response:
            severity, rule_reasons = apply_severity_rules(extracted.doc.clean, model_severity)
        sentiment = self.sentiments[int(np.argmax(raw[self.rows["sentiment"]]))]
        if sentiment == "positive" and _complaint(extracted):
            sentiment = "negative"

        reasons = self._reasons(extracted, indices, values, relevant, category)
        reasons += _rule_reasons(extracted, rule_reasons)
        uncertainty = (
            0.0 if correction is not None else self.uncertainty(p_relevant, category_probabilities, threshold=threshold)
        )
        return Prediction(
            relevant=relevant,
            category=category if relevant else "other",
            needs_response=needs_response,
            severity=severity,
            sentiment=sentiment,
            score=round(p_relevant * p_needs, 4) if correction is None else round(float(relevant) * p_needs, 4),
            p_relevant=round(p_relevant, 4),
            p_needs_response=round(p_needs, 4),
            category_probabilities={c: round(p, 4) for c, p in category_probabilities.items()},
            reasons=reasons,
            correction=None if correction is None else {"id": correction[0].id, "similarity": round(correction[1], 3)},
            uncertainty=round(uncertainty, 4),
        )

    def threshold(self, length: int) -> float:
        """The relevance threshold of a post of ``length`` characters (title and text)."""
        # Models saved before the short-post threshold existed have one threshold for every post.
        if length < getattr(self.settings, "short_length", 0):
            return float(self.settings.short_threshold)
        return self.settings.relevant_threshold

    def uncertainty(
        self, p_relevant: float, category_probabilities: dict[str, float], *, threshold: float | None = None
    ) -> float:
        """1 when P(relevant) sits on the threshold (or a relevant post's two likeliest categories tie), 0 when sure."""
        threshold = self.settings.relevant_threshold if threshold is None else threshold
        room = threshold if p_relevant < threshold else 1.0 - threshold
        relevance = 1.0 - min(1.0, abs(p_relevant - threshold) / room) if room > 0 else 0.0
        if p_relevant < threshold or len(category_probabilities) < 2:
            return relevance
        first, second = sorted(category_probabilities.values(), reverse=True)[:2]
        return max(relevance, 1.0 - (first - second))

    def _nearest_correction(self, indices: np.ndarray, values: np.ndarray) -> tuple[Correction, float] | None:
        if not self.corrections or len(indices) == 0:
            return None
        norm = float(np.sqrt(values @ values)) or 1.0
        similarities = np.asarray(self.correction_rows[:, indices] @ (values / norm)).ravel()
        best = int(np.argmax(similarities))
        if similarities[best] < self.settings.correction_similarity:
            return None
        return self.corrections[best], float(similarities[best])

    def _reasons(
        self, extracted: Extracted, indices: np.ndarray, values: np.ndarray, relevant: bool, category: str
    ) -> list[dict[str, Any]]:
        if len(indices) == 0:
            return []
        sign = 1.0 if relevant else -1.0
        contributions = self.weights[self.rows["relevance"].start, indices] * values * sign
        if relevant:
            row = self.rows["category"].start + self.categories.index(category)
            category_part = self.weights[row, indices] * values
            # Both heads count: what made it our business and what made it this category.
            contributions = _unit(contributions) + _unit(category_part)
        weights = character_weights(extracted, self.features.names, indices, contributions)
        return phrases(extracted, weights)


def _complaint(extracted: Extracted) -> bool:
    """More complaint words than praise words: such a post is never read as praise."""
    negative, positive = tone()
    return len(negative.findall(extracted.masked)) > len(positive.findall(extracted.masked))


def _unit(contributions: np.ndarray) -> np.ndarray:
    top = float(np.max(contributions)) if len(contributions) else 0.0
    return contributions / top if top > 0 else contributions


def _rule_reasons(extracted: Extracted, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The terms that raised the severity, as they are written in the post (digits and single characters left out)."""
    doc = extracted.doc
    out: list[dict[str, Any]] = []
    for rule in rules:
        if SEVERITY_ORDER[rule["raise_to"]] == 0:
            continue
        for term in rule["terms"]:
            start = doc.clean.find(term)
            if start < 0:
                continue
            written = doc.original(start, start + len(term))
            if len(written) < 2 or not all(ch.isalpha() for ch in written):
                continue
            field_name, a, b = doc.locate(start, start + len(term))
            out.append(
                {
                    "term": written,
                    "weight": 1.0,
                    "field": field_name,
                    "start": a,
                    "end": b,
                    "rule": rule["label"],
                    "raise_to": rule["raise_to"],
                }
            )
    return out
