"""Model registry: versioned artifacts in ``<data_dir>/models/<version>/`` with a model card, one of them active.

Each version holds ``model.joblib`` and ``meta.json``: library versions, corpus and resource hashes, the
examples it learned from by class, its settings, and its model card — figures on the fixed check set
(``corpus/checkset.yaml``: precision, recall, F1, category accuracy, confusion matrix, keyword traps) and,
when the shared real data is there, on its development and held-out halves (reported, never decided on).
``ACTIVE`` names the version every process uses; it is replaced atomically, and ``get_model()`` notices a
new one on its next call, so the API and the workers switch without a restart.

Every model trains on the whole shipped corpus and on every staff correction: the check set, which no
model trains on, is what candidates are compared on. A retrained candidate replaces the active model only
if it is not worse there on relevance F1, on category accuracy and on keyword traps (``evaluation.gate``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import joblib

from core.config import get_settings
from core.errors import ConfigurationError, NotFound
from core.timeutil import to_local, utcnow
from nlp.classifier import TextModel
from nlp.corpus import Example, corpus_hash, read_examples, seed_files
from nlp.dense import layout
from nlp.evaluation import check_set, evaluate, gate, summary
from nlp.lexicon import LEXICON_FILE

log = logging.getLogger(__name__)

COMPARISONS_FILE = "comparisons.jsonl"
LIBRARIES = ("scikit-learn", "numpy", "scipy", "rjieba", "jieba")
RESOURCES = Path(__file__).with_name("resources")

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


def _library_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "missing"
    return found


def _resources_hash() -> str:
    digest = hashlib.sha256(LEXICON_FILE.read_bytes())
    for path in sorted(RESOURCES.iterdir()):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def measure(model: TextModel) -> dict[str, Any]:
    """The model card figures of ``model``: the check set, and the real halves when the shared data is there."""
    from nlp.realdata import real_sets

    card: dict[str, Any] = {"check": summary(evaluate(check_set(), model.predict, keep_errors=0))}
    real = real_sets()
    card["real"] = (
        {name: summary(evaluate(posts, model.predict, keep_errors=0)) for name, posts in real.items()} if real else None
    )
    return card


def train_from_corpus(
    *, paths: list[Path] | None = None, extra: Sequence[Example] = (), activate: bool = True, note: str = ""
) -> ModelInfo:
    """Train on the corpus and ``extra`` staff corrections, measure it, store a new version, maybe activate it."""
    paths = paths or seed_files()
    if not paths:
        raise ConfigurationError("没有可用的训练语料（nlp/corpus/seed/*.jsonl）")
    corpus = list(read_examples(paths))
    examples = [*corpus, *extra]
    model = TextModel().fit(examples, corrected=[False] * len(corpus) + [True] * len(extra))
    card = measure(model)
    digest = corpus_hash(paths)
    extra_digest = hashlib.sha256(
        json.dumps([[e.id, e.title, e.text, e.category, e.needs_response] for e in extra], ensure_ascii=False).encode()
    ).hexdigest()
    now = utcnow()
    stamp = now.strftime("%Y%m%d%H%M%S%f")[:17]
    model_version = f"{stamp}-{hashlib.sha256((digest + extra_digest).encode()).hexdigest()[:8]}"
    target = models_dir() / model_version
    target.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, target / "model.joblib", compress=3)
    local = to_local(now)
    meta = {
        "version": model_version,
        "created_at": now.isoformat(),
        "created_at_local": local.strftime("%Y-%m-%d %H:%M") if local else None,
        "note": note,
        "corpus_sha256": digest,
        "lexicon_sha256": hashlib.sha256(LEXICON_FILE.read_bytes()).hexdigest(),
        "resources_sha256": _resources_hash(),
        "feedback_sha256": extra_digest,
        "examples": len(examples),
        "feedback_examples": len(extra),
        "training_by_class": model.trained_on,
        "features": model.features.size,
        "settings": asdict(model.settings),
        "thresholds": {
            "relevant": model.settings.relevant_threshold,
            "relevant_short": model.settings.short_threshold,
            "short_length": model.settings.short_length,
            "needs_response": model.settings.needs_threshold,
        },
        "card": card,
        "metrics": card["check"],
        "libraries": _library_versions(),
        "python": platform.python_version(),
    }
    _write_meta(target, meta)
    info = ModelInfo(model_version, target, meta)
    if activate:
        activate_version(model_version)
    log.info("trained model %s on %d examples (%d corrections)", model_version, len(examples), len(extra))
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


def current_layout(model: TextModel) -> bool:
    """True when ``model`` was fitted on the features this code computes (older versions may not be)."""
    return getattr(model.features, "layout", None) == layout()


def get_model() -> tuple[str, TextModel]:
    """The active model, loaded once per process and reloaded when another version is activated.

    With no active model, or an active one fitted on features this code no longer computes (a version
    trained before an upgrade), a model is trained from the corpus and activated.
    """
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
            model = load_version(current)
            if not current_layout(model):
                log.warning("model %s was fitted on other features: training a new one from the corpus", current)
                current = train_from_corpus(note=f"replaces {current} (features changed)").version
                model = load_version(current)
            _loaded = (current, model)
            log.info("model %s loaded", current)
        return _loaded


def compare_and_activate(candidate: ModelInfo) -> dict[str, Any]:
    """Measure the candidate and the active model on the same fixed check set; activate the candidate only if it
    is not worse (``evaluation.gate``). The comparison is kept in the candidate's metadata and comparisons.jsonl."""
    posts = check_set()
    candidate_figures = summary(evaluate(posts, load_version(candidate.version).predict, keep_errors=0))
    current = active_version()
    active_model = load_version(current) if current else None
    usable = active_model is not None and current_layout(active_model)
    active_figures = summary(evaluate(posts, active_model.predict, keep_errors=0)) if usable and active_model else None
    if active_model is not None and not usable:
        activated, reason = True, "当前模型的特征与程序不一致，无法比较，已启用候选模型"
    elif active_figures is None:
        activated, reason = True, "没有正在使用的模型，已启用候选模型"
    else:
        activated, reason = gate(candidate_figures, active_figures)
    comparison = {
        "at": utcnow().isoformat(),
        "candidate": candidate.version,
        "active": current,
        "evaluation_examples": len(posts),
        "candidate_figures": candidate_figures,
        "active_figures": active_figures,
        "real": _real_comparison(candidate.meta, read_meta(current) if current else None),
        "activated": activated,
        "reason": reason,
    }
    meta = dict(candidate.meta)
    meta["comparison"] = comparison
    _write_meta(candidate.path, meta)
    with (models_dir() / COMPARISONS_FILE).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(comparison, ensure_ascii=False) + "\n")
    if activated:
        activate_version(candidate.version)
    log.info("candidate %s: %s", candidate.version, reason)
    return comparison


def _real_comparison(candidate: dict[str, Any], active: dict[str, Any] | None) -> dict[str, Any] | None:
    """The real-data figures of both models from their cards, for the record (the decision ignores them)."""
    mine = (candidate.get("card") or {}).get("real")
    if not mine:
        return None
    theirs = ((active or {}).get("card") or {}).get("real") or {}
    return {
        name: {
            "candidate": {k: mine[name][k] for k in ("f1", "category_accuracy")},
            "active": {k: theirs[name][k] for k in ("f1", "category_accuracy")} if name in theirs else None,
        }
        for name in mine
    }


def comparisons(limit: int = 50) -> list[dict[str, Any]]:
    """The most recent comparisons, newest first."""
    path = models_dir() / COMPARISONS_FILE
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[::-1][:limit]
