"""Model versions: metadata is kept, and every process switches to a newly activated version without restart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def second_version(trained_model: str) -> Iterator[str]:
    """A copy of the trained model under another version name (training twice would be slow); restores ACTIVE."""
    from nlp.registry import activate_version, models_dir

    copy = f"{trained_model}-copy"
    target = models_dir() / copy
    if not target.exists():
        shutil.copytree(models_dir() / trained_model, target)
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        (target / "meta.json").write_text(json.dumps({**meta, "version": copy}), encoding="utf-8")
    yield copy
    activate_version(trained_model)


def test_a_version_records_what_it_was_made_from_and_its_model_card(trained_model: str) -> None:
    from nlp.card import format_card, model_card
    from nlp.registry import read_meta

    meta = read_meta(trained_model)
    assert len(meta["corpus_sha256"]) == 64 and len(meta["resources_sha256"]) == 64
    assert {"scikit-learn", "numpy", "rjieba"} <= set(meta["libraries"])
    assert meta["examples"] >= 5000 and sum(meta["training_by_class"].values()) == meta["examples"]
    assert meta["training_by_class"]["other"] > meta["training_by_class"]["market"] > 100
    check = meta["card"]["check"]
    assert check["f1"] > 0.85 and check["category_accuracy"] > 0.8 and check["traps"]["total"] >= 40
    assert sum(sum(row.values()) for row in check["confusion"].values()) == check["examples"]
    card = model_card(meta)
    assert card["created_at_local"] and [row["category"] for row in card["training_by_class"]][-1] == "other"
    text = format_card(meta)
    assert "Beijing time" in text and "check:" in text and "confusion" in text and "keyword traps flagged" in text


def test_activating_another_version_switches_this_process_and_others(second_version: str, trained_model: str) -> None:
    from nlp.analyze import analyze
    from nlp.registry import activate_version, get_model

    assert get_model()[0] == trained_model
    activate_version(second_version)
    assert analyze(title="养猪场粪水直排", text="养猪场的粪水直排小河。").model_version == second_version
    line = json.dumps({"id": 1, "title": "养猪场粪水直排", "text": "养猪场的粪水直排小河。"}, ensure_ascii=False)
    done = subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", "classify"],
        input=line.encode(),
        capture_output=True,
        env={**os.environ},
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout)["model_version"] == second_version


def test_an_unknown_version_cannot_be_activated(trained_model: str) -> None:
    from core.errors import NotFound
    from nlp.registry import activate_version, active_version

    with pytest.raises(NotFound):
        activate_version("no-such-version")
    assert active_version() == trained_model


def test_a_model_fitted_on_features_this_code_no_longer_computes_is_replaced_when_loaded(trained_model: str) -> None:
    import joblib

    from nlp import registry
    from nlp.dense import layout

    stale = f"{trained_model}-stale"
    target = registry.models_dir() / stale
    shutil.copytree(registry.models_dir() / trained_model, target)
    meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    (target / "meta.json").write_text(json.dumps({**meta, "version": stale}), encoding="utf-8")
    model = joblib.load(target / "model.joblib")
    model.features.layout = "fitted-before-an-upgrade"
    joblib.dump(model, target / "model.joblib")
    registry.activate_version(stale)
    try:
        version, loaded = registry.get_model()

        assert version not in (stale, trained_model) and registry.active_version() == version
        assert loaded.features.layout == layout() and loaded.predict("投诉", "养猪场的粪水排进河里").relevant
        assert "features changed" in registry.read_meta(version)["note"]
    finally:
        registry.activate_version(trained_model)
