"""The text models: one shared TF-IDF over jieba tokens, linear heads for each label, and reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlp.corpus import Example
from nlp.tokenize import tokenize

URGENT_TERMS = ("疑似疫情", "非洲猪瘟", "大量死亡", "成批死亡", "死了一大片", "病死猪乱扔", "扔进河", "抛尸")


@dataclass(slots=True)
class Prediction:
    """What the models say about one text."""

    relevant: bool
    category: str
    needs_response: bool
    severity: str
    sentiment: str
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class TextModel:
    """Category, needs-response, severity and sentiment heads over one shared vectoriser."""

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(
            tokenizer=_identity,
            preprocessor=_identity,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            min_df=1,
            sublinear_tf=True,
        )
        self.category = LogisticRegression(max_iter=2000, C=8.0, class_weight="balanced")
        self.needs = LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")
        self.severity = LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")
        self.sentiment = LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")

    def fit(self, examples: Sequence[Example]) -> TextModel:
        """Train every head on the labelled examples."""
        categories = {e.category for e in examples}
        if "other" not in categories or len(categories) < 2:
            raise ValueError("the corpus needs examples of 'other' and of at least one relevant category")
        tokens = [tokenize(example.full_text) for example in examples]
        matrix = self.vectorizer.fit_transform(tokens)
        self.category.fit(matrix, [e.category for e in examples])
        relevant = np.array([e.relevant for e in examples])
        self.needs.fit(matrix[relevant], [e.needs_response for e in examples if e.relevant])
        urgent = np.array([e.relevant and e.needs_response for e in examples])
        self.severity.fit(matrix[urgent], [e.severity for e in examples if e.relevant and e.needs_response])
        self.sentiment.fit(matrix, [e.sentiment for e in examples])
        return self

    def predict(self, text: str) -> Prediction:
        """Labels, a needs-response score and the terms that pushed the category."""
        row = self.vectorizer.transform([tokenize(text)])
        category_probs = self.category.predict_proba(row)[0]
        best = int(np.argmax(category_probs))
        category = str(self.category.classes_[best])
        relevant = category != "other"
        p_relevant = 1.0 - float(category_probs[list(self.category.classes_).index("other")])
        p_needs = float(self.needs.predict_proba(row)[0][list(self.needs.classes_).index(True)])
        score = round(p_relevant * p_needs, 4)
        needs_response = relevant and p_needs >= 0.5
        severity = str(self.severity.predict(row)[0]) if needs_response else "一般"
        if needs_response and any(term in text for term in URGENT_TERMS):
            severity = "重大"
        return Prediction(
            relevant=relevant,
            category=category,
            needs_response=needs_response,
            severity=severity,
            sentiment=str(self.sentiment.predict(row)[0]),
            score=score,
            reasons=self._reasons(row, best),
        )

    def _reasons(self, row: Any, class_index: int, limit: int = 5) -> list[dict[str, Any]]:
        coefficients = self.category.coef_[class_index]
        contributions = row.multiply(coefficients).tocsr()
        if contributions.nnz == 0:
            return []
        order = np.argsort(contributions.data)[::-1][:limit]
        names = self.vectorizer.get_feature_names_out()
        return [
            {"term": str(names[contributions.indices[i]]), "weight": round(float(contributions.data[i]), 4)}
            for i in order
            if contributions.data[i] > 0
        ]
