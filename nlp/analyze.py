"""analyze(title, text): the one entry point for classifying a post with the active model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nlp.entities import extract
from nlp.registry import get_model


@dataclass(slots=True)
class AnalysisResult:
    """The analysis stored for a post and returned by ``muqing classify``."""

    relevant: bool
    category: str
    needs_response: bool
    severity: str
    sentiment: str
    score: float
    reasons: list[dict[str, Any]]
    model_version: str
    p_relevant: float = 0.0
    entities: dict[str, Any] = field(default_factory=dict)
    category_probabilities: dict[str, float] = field(default_factory=dict)
    uncertainty: float = 0.0
    correction: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def analyze(*, title: str, text: str) -> AnalysisResult:
    """Classify one post (title and text) with the active model.

    Reasons are words and phrases of the title or text as written (two characters or more, no digits, no
    punctuation; ``field``, ``start`` and ``end`` say where), and entities hold phone and ID numbers masked.
    """
    model_version, model = get_model()
    prediction = model.predict(title, text)
    return AnalysisResult(
        relevant=prediction.relevant,
        category=prediction.category,
        needs_response=prediction.needs_response,
        severity=prediction.severity,
        sentiment=prediction.sentiment,
        score=prediction.score,
        reasons=prediction.reasons,
        model_version=model_version,
        p_relevant=prediction.p_relevant,
        entities=extract(title=title, text=text),
        category_probabilities=prediction.category_probabilities,
        uncertainty=prediction.uncertainty,
        correction=prediction.correction,
    )
