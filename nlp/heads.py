"""Linear heads of several model families, and their calibration.

Every family is fitted with scikit-learn and reduced to one weight row per class (``Linear``), so a post
is scored with one sparse dot product whatever the family. ``python -m nlp.compare`` measures the
families against each other; ``TextModel`` uses the one named in its settings.

- ``logistic``: L2 logistic regression (liblinear, dual), balanced class weights;
- ``svm``: linear support vector machine (hinge loss), balanced class weights;
- ``sgd``: an averaged ensemble of SGD classifiers (modified Huber loss) on bootstrap samples;
- ``nb``: complement naive Bayes (its log-probability ratios are linear weights too).

Binary heads are calibrated with Platt scaling on cross-validated scores; multi-class heads with one
temperature on the softmax of cross-validated scores, so both give probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

FAMILIES = ("logistic", "svm", "sgd", "nb")


@dataclass(slots=True)
class Linear:
    """A fitted linear head: one row of weights per class (one row, for the positive class, when binary)."""

    classes: list[Any]
    coef: np.ndarray
    intercept: np.ndarray

    def scores(self, matrix: Any) -> np.ndarray:
        """Scores of each row: shape (n,) when binary, (n, classes) otherwise."""
        raw = np.asarray(matrix @ self.coef.T) + self.intercept
        return raw[:, 0] if self.coef.shape[0] == 1 else raw


def _binary(family: str, matrix: Any, target: np.ndarray, c: float, weights: np.ndarray | None) -> tuple[Any, Any]:
    """(coef row, intercept) of a binary model of ``family`` fitted on ``target`` (booleans)."""
    if family == "logistic":
        model: Any = LogisticRegression(C=c, solver="liblinear", dual=True, class_weight="balanced", max_iter=3000)
        model.fit(matrix, target, sample_weight=weights)
        return model.coef_[0], model.intercept_[0]
    if family == "svm":
        model = LinearSVC(C=c / 8, class_weight="balanced", max_iter=5000, dual=True)
        model.fit(matrix, target, sample_weight=weights)
        return model.coef_[0], model.intercept_[0]
    if family == "sgd":
        rng = np.random.default_rng(11)
        rows, intercepts = [], []
        for seed in range(5):
            sample = rng.integers(0, matrix.shape[0], matrix.shape[0])
            if len(set(target[sample].tolist())) < 2:
                continue
            model = SGDClassifier(
                loss="modified_huber", alpha=1e-4 / c, class_weight="balanced", average=True, random_state=seed
            )
            model.fit(matrix[sample], target[sample], sample_weight=None if weights is None else weights[sample])
            rows.append(model.coef_[0])
            intercepts.append(model.intercept_[0])
        return np.mean(rows, axis=0), float(np.mean(intercepts))
    if family == "nb":
        positive = target.astype(bool)
        prior = np.full(len(target), 0.5 / max(positive.sum(), 1))
        prior[~positive] = 0.5 / max((~positive).sum(), 1)
        model = ComplementNB(alpha=0.3 / c, norm=False)
        model.fit(matrix, target, sample_weight=prior * len(target) * (1 if weights is None else weights))
        # The log-probability ratio of the two classes is linear in the features.
        log_prob = model.feature_log_prob_
        index = list(model.classes_).index(True)
        return log_prob[index] - log_prob[1 - index], 0.0
    raise ValueError(f"unknown model family {family!r}; one of {', '.join(FAMILIES)}")


def fit_linear(
    family: str,
    matrix: Any,
    labels: Sequence[Any] | np.ndarray,
    *,
    c: float,
    weights: np.ndarray | None = None,
    one_vs_rest: bool = False,
) -> Linear:
    """A binary head (two labels) or a one-vs-rest head of ``family`` (one row per class, also for two classes
    when ``one_vs_rest``)."""
    target = np.asarray(labels)
    classes = sorted(set(target.tolist()))
    if len(classes) < 2:
        raise ValueError(f"a head needs at least two labels, got {classes}")
    if len(classes) == 2 and not one_vs_rest:
        row, intercept = _binary(family, matrix, target == classes[1], c, weights)
        return Linear(classes, np.asarray([row]), np.asarray([intercept]))
    rows, intercepts = [], []
    for value in classes:
        row, intercept = _binary(family, matrix, target == value, c, weights)
        rows.append(row)
        intercepts.append(intercept)
    return Linear(classes, np.vstack(rows), np.asarray(intercepts))


@dataclass(slots=True)
class Platt:
    """A sigmoid mapping a linear score to a calibrated probability."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, score: float) -> float:
        return float(1.0 / (1.0 + np.exp(-(self.a * score + self.b))))


def cross_scores(
    family: str,
    matrix: Any,
    labels: Sequence[Any] | np.ndarray,
    *,
    c: float,
    weights: np.ndarray | None = None,
    folds: int = 3,
    one_vs_rest: bool = False,
) -> np.ndarray:
    """Out-of-fold scores of a head of ``family`` (what calibration and model comparison are fitted on)."""
    target = np.asarray(labels)
    classes = sorted(set(target.tolist()))
    binary = len(classes) == 2 and not one_vs_rest
    out = np.zeros(len(target)) if binary else np.zeros((len(target), len(classes)))
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    for train, test in splits.split(np.zeros(len(target)), target):
        head = fit_linear(
            family,
            matrix[train],
            target[train],
            c=c,
            weights=None if weights is None else weights[train],
            one_vs_rest=one_vs_rest,
        )
        out[test] = head.scores(matrix[test])
    return out


def fit_platt(scores: np.ndarray, positive: np.ndarray) -> Platt:
    """Platt scaling: a one-feature logistic regression from scores to the true labels."""
    sigmoid = LogisticRegression(C=1e4, solver="lbfgs").fit(scores.reshape(-1, 1), positive)
    return Platt(a=float(sigmoid.coef_[0][0]), b=float(sigmoid.intercept_[0]))


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities over classes from one row (or rows) of scores."""
    scaled = scores * temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    probabilities: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return probabilities


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that minimises the log loss of cross-validated scores (``truth``: class indices)."""
    best, best_loss = 1.0, float("inf")
    for temperature in np.geomspace(0.05, 50, 80):
        probabilities = softmax(scores, temperature)[np.arange(len(truth)), truth]
        loss = float(-np.log(np.clip(probabilities, 1e-9, 1)).mean())
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def normalised_rows(matrix: Any) -> sparse.csr_matrix:
    """Rows scaled to unit length (for cosine similarity by dot product)."""
    csr = sparse.csr_matrix(matrix, dtype=np.float64)
    norms = np.sqrt(np.asarray(csr.multiply(csr).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ csr)
