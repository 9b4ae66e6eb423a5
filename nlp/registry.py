"""Model registry: versioned artifacts in ``<data_dir>/models/<version>/`` with metadata, one of them active.

Each version holds ``model.joblib`` and ``meta.json`` (library versions, corpus hash, examples used,
thresholds, figures on the evaluation set, and the comparison with the model it was meant to replace).
``ACTIVE`` names the version every process uses; it is replaced atomically, and ``get_model()`` notices
a new one on its next call, so the API and the workers switch without a restart (also when they are
different processes sharing the data directory).

The evaluation set is fixed by the data: a stable tenth of the seed corpus (by a hash of the example
id) and a stable fifth of the staff feedback are never trained on, so two models trained on different
feedback are measured on the same posts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import joblib

from core.config import get_settings
from core.errors import ConfigurationError, NotFound
from core.timeutil import utcnow
from nlp.classifier import TextModel
from nlp.corpus import Example, corpus_hash, read_examples, seed_files
from nlp.evaluation import LabelledPost, as_labelled, evaluate, not_worse
from nlp.lexicon import LEXICON_FILE

log = logging.getLogger(__name__)

SEED_HELDOUT_PERCENT = 10
FEEDBACK_HELDOUT_PERCENT = 20
COMPARISONS_FILE = "comparisons.jsonl"
LIBRARIES = ("scikit-learn", "numpy", "scipy", "rjieba", "jieba")

_lock = threading.Lock()
_loaded: tuple[str, TextModel] | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A stored model version and its metadata."""

    version: str
    path: Path
    meta: dict[str, Any]


_models_dirs: dict[Path, Path] = {}


def models_dir() -> Path:
    """Where model versions are stored (resolved once per data directory: this is on every analysis's path)."""
    configured = get_settings().data_dir
    path = _models_dirs.get(configured)
    if path is None or not path.is_dir():
        path = get_settings().resolved_data_dir / "models"
        path.mkdir(parents=True, exist_ok=True)
        _models_dirs[configured] = path
    return path


def _bucket(identifier: str) -> int:
    return int.from_bytes(hashlib.sha1(identifier.encode()).digest()[:4], "big") % 100


def is_heldout(example: Example) -> bool:
    """True for the examples kept for evaluation (never trained on)."""
    share = FEEDBACK_HELDOUT_PERCENT if example.id.startswith("feedback-") else SEED_HELDOUT_PERCENT
    return _bucket(example.id) < share


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """Training and evaluation examples."""
    train = [e for e in examples if not is_heldout(e)]
    heldout = [e for e in examples if is_heldout(e)]
    return train, heldout


def _library_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "missing"
    return found


def evaluation_set(extra: Sequence[Example] = ()) -> list[LabelledPost]:
    """The posts every model is measured on: the held-out seed examples and held-out feedback."""
    _, heldout = split([*read_examples(seed_files()), *extra])
    return as_labelled(heldout)


def train_from_corpus(
    *, paths: list[Path] | None = None, extra: Sequence[Example] = (), activate: bool = True, note: str = ""
) -> ModelInfo:
    """Train on the corpus (and ``extra`` examples such as feedback), store a new version, maybe activate it."""
    paths = paths or seed_files()
    if not paths:
        raise ConfigurationError("没有可用的训练语料（nlp/corpus/seed/*.jsonl）")
    examples = [*read_examples(paths), *extra]
    train, heldout = split(examples)
    model = TextModel().fit(train)
    figures = evaluate(as_labelled(heldout), model.predict) if heldout else {}
    digest = corpus_hash(paths)
    extra_digest = hashlib.sha256(
        json.dumps([[e.id, e.title, e.text, e.category, e.needs_response] for e in extra], ensure_ascii=False).encode()
    ).hexdigest()
    stamp = utcnow().strftime("%Y%m%d%H%M%S%f")[:17]
    model_version = f"{stamp}-{hashlib.sha256((digest + extra_digest).encode()).hexdigest()[:8]}"
    target = models_dir() / model_version
    target.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, target / "model.joblib", compress=3)
    meta = {
        "version": model_version,
        "created_at": utcnow().isoformat(),
        "note": note,
        "corpus_sha256": digest,
        "lexicon_sha256": hashlib.sha256(LEXICON_FILE.read_bytes()).hexdigest(),
        "feedback_sha256": extra_digest,
        "examples": len(train),
        "feedback_examples": sum(1 for e in extra if not is_heldout(e)),
        "heldout_examples": len(heldout),
        "features": model.features.size,
        "thresholds": {
            "relevant": model.thresholds.relevant,
            "relevant_body_only": model.thresholds.relevant_body_only,
            "relevant_without_lexicon": model.thresholds.relevant_without_lexicon,
            "needs_response": model.thresholds.needs_response,
        },
        "metrics": figures,
        "libraries": _library_versions(),
        "python": platform.python_version(),
    }
    _write_meta(target, meta)
    info = ModelInfo(model_version, target, meta)
    if activate:
        activate_version(model_version)
    log.info("trained model %s on %d examples", model_version, len(train))
    return info


def _write_meta(target: Path, meta: dict[str, Any]) -> None:
    temporary = target / "meta.json.tmp"
    temporary.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, target / "meta.json")


def read_meta(model_version: str) -> dict[str, Any]:
    """The metadata of one version (NotFound when it does not exist)."""
    path = models_dir() / model_version / "meta.json"
    if "/" in model_version or model_version.startswith(".") or not path.exists():
        raise NotFound(f"模型版本 {model_version} 不存在")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def list_versions() -> list[ModelInfo]:
    """Every stored version, newest first."""
    infos = []
    for path in models_dir().iterdir():
        if (path / "meta.json").exists() and (path / "model.joblib").exists():
            infos.append(ModelInfo(path.name, path, json.loads((path / "meta.json").read_text(encoding="utf-8"))))
    return sorted(infos, key=lambda info: info.version, reverse=True)


def load_version(model_version: str) -> TextModel:
    """The fitted model of one version."""
    read_meta(model_version)
    model: TextModel = joblib.load(models_dir() / model_version / "model.joblib")
    return model


def activate_version(model_version: str) -> None:
    """Make ``model_version`` the one every process uses (atomically, by renaming a pointer file)."""
    if not (models_dir() / model_version / "model.joblib").exists():
        raise NotFound(f"模型版本 {model_version} 不存在")
    pointer = models_dir() / "ACTIVE"
    temporary = models_dir() / f"ACTIVE.{os.getpid()}.{threading.get_ident()}.tmp"
    temporary.write_text(model_version, encoding="utf-8")
    os.replace(temporary, pointer)


def active_version() -> str | None:
    """The active model version, if any."""
    pointer = models_dir() / "ACTIVE"
    try:
        return pointer.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def get_model() -> tuple[str, TextModel]:
    """The active model, loaded once per process and reloaded when another version is activated."""
    global _loaded
    current = active_version()
    loaded = _loaded
    if loaded is not None and loaded[0] == current:
        return loaded
    with _lock:
        current = active_version()
        if current is None:
            log.info("no active model: training one from the seed corpus")
            current = train_from_corpus().version
        if _loaded is None or _loaded[0] != current:
            _loaded = (current, load_version(current))
            log.info("model %s loaded", current)
        return _loaded


def compare_and_activate(candidate: ModelInfo, *, extra: Sequence[Example] = ()) -> dict[str, Any]:
    """Measure the candidate and the active model on the same evaluation set; activate the candidate only if
    it is not worse. The comparison is stored in the candidate's metadata and appended to comparisons.jsonl."""
    posts = evaluation_set(extra)
    candidate_figures = evaluate(posts, load_version(candidate.version).predict, keep_errors=0)
    current = active_version()
    active_figures = evaluate(posts, load_version(current).predict, keep_errors=0) if current else None
    activated = active_figures is None or not_worse(candidate_figures, active_figures)
    comparison = {
        "at": utcnow().isoformat(),
        "candidate": candidate.version,
        "active": current,
        "evaluation_examples": len(posts),
        "candidate_figures": _summary(candidate_figures),
        "active_figures": _summary(active_figures) if active_figures else None,
        "activated": activated,
        "reason": "候选模型不差于当前模型，已启用" if activated else "候选模型在评估集上不如当前模型，未启用",
    }
    meta = dict(candidate.meta)
    meta["comparison"] = comparison
    _write_meta(candidate.path, meta)
    with (models_dir() / COMPARISONS_FILE).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(comparison, ensure_ascii=False) + "\n")
    if activated:
        activate_version(candidate.version)
    return comparison


def comparisons(limit: int = 50) -> list[dict[str, Any]]:
    """The most recent comparisons, newest first."""
    path = models_dir() / COMPARISONS_FILE
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[::-1][:limit]


def _summary(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "score": figures["score"],
        "relevance": figures["relevance"],
        "category_accuracy": figures["category_accuracy"],
        "category_macro_f1": figures["category_macro_f1"],
        "traps": {"total": figures["traps"]["total"], "flagged": figures["traps"]["flagged"]},
    }
