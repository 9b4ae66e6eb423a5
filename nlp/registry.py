"""Model registry: versioned artifacts with metadata in the data directory, one of them active."""

from __future__ import annotations

import json
import logging
import os
import platform
import threading
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joblib

from core.config import get_settings
from core.errors import ConfigurationError
from core.timeutil import utcnow
from nlp.classifier import TextModel
from nlp.corpus import corpus_hash, read_examples, seed_files

log = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: tuple[str, TextModel] | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A stored model version and its metadata."""

    version: str
    path: Path
    meta: dict[str, Any]


def models_dir() -> Path:
    """Where model versions are stored."""
    path = get_settings().resolved_data_dir / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def train_from_corpus(*, paths: list[Path] | None = None, activate: bool = True) -> ModelInfo:
    """Train a model on the corpus files, store it as a new version, and optionally activate it."""
    paths = paths or seed_files()
    if not paths:
        raise ConfigurationError("没有可用的训练语料（nlp/corpus/seed/*.jsonl）")
    examples = list(read_examples(paths))
    model = TextModel().fit(examples)
    digest = corpus_hash(paths)
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    model_version = f"{stamp}-{digest[:8]}"
    target = models_dir() / model_version
    target.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, target / "model.joblib", compress=3)
    meta = {
        "version": model_version,
        "created_at": utcnow().isoformat(),
        "corpus_sha256": digest,
        "examples": len(examples),
        "libraries": {name: version(name) for name in ("scikit-learn", "jieba", "numpy")},
        "python": platform.python_version(),
    }
    (target / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    info = ModelInfo(model_version, target, meta)
    if activate:
        activate_version(model_version)
    return info


def activate_version(model_version: str) -> None:
    """Make ``model_version`` the one every process uses (atomically, by renaming a pointer file)."""
    if not (models_dir() / model_version / "model.joblib").exists():
        raise ConfigurationError(f"模型版本 {model_version} 不存在")
    pointer = models_dir() / "ACTIVE"
    temporary = pointer.with_suffix(".tmp")
    temporary.write_text(model_version, encoding="utf-8")
    os.replace(temporary, pointer)


def active_version() -> str | None:
    """The active model version, if any."""
    pointer = models_dir() / "ACTIVE"
    return pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None


def get_model() -> tuple[str, TextModel]:
    """The active model, loaded once per process and reloaded when another version is activated."""
    global _loaded
    current = active_version()
    if _loaded is not None and _loaded[0] == current:
        return _loaded
    with _lock:
        current = active_version()
        if current is None:
            log.info("no active model: training one from the seed corpus")
            current = train_from_corpus().version
        if _loaded is None or _loaded[0] != current:
            _loaded = (current, joblib.load(models_dir() / current / "model.joblib"))
        return _loaded
