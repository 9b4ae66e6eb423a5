"""`muqing classify` and `muqing eval` as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from core.migrate import upgrade

REQUIRED = {"id", "relevant", "category", "needs_response", "severity", "sentiment", "score", "reasons"}
ROOT = Path(__file__).resolve().parents[2]


def muqing(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=180,
        check=False,
    )


def test_classify_answers_each_good_line_and_reports_bad_ones(trained_model: str) -> None:
    lines = [
        json.dumps(
            {"id": "a", "title": "石桥镇养鸡场鸡粪乱堆", "text": "养鸡场的鸡粪堆在路边，臭气熏天。"}, ensure_ascii=False
        ),
        "{not json",
        json.dumps({"id": 7, "text": "金牛广场的红绿灯太短了"}, ensure_ascii=False),
        json.dumps(["a list"]),
        json.dumps({"id": "no-text", "title": 5}),
        # Half of an emoji, escaped as JSON allows: no text can hold it; the lines after it are still answered.
        '{"id": "half", "title": "", "text": "养猪场臭死了\\ud83d"}',
        json.dumps({"id": "b", "title": "", "text": "村里有人凌晨在家杀猪，不经检疫就卖肉。"}, ensure_ascii=False),
    ]
    done = muqing("classify", stdin=("\n".join(lines) + "\n").encode())
    assert done.returncode == 0
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [row["id"] for row in out] == ["a", 7, "b"]
    for row in out:
        assert set(row) >= REQUIRED
        assert row["severity"] in ("一般", "较大", "重大") and row["sentiment"] in ("negative", "neutral", "positive")
    assert out[0]["relevant"] and out[0]["category"] == "pollution"
    assert not out[1]["relevant"] and out[1]["category"] == "other"
    errors = done.stderr.decode()
    for number in (2, 4, 5, 6):
        assert f"line {number}:" in errors
    assert 'line 6: "text" holds a lone surrogate U+D83D at character 6' in errors


def test_eval_prints_per_class_figures_and_the_confusion_matrix(trained_model: str, tmp_path: Path) -> None:
    data = tmp_path / "labelled.jsonl"
    rows = [
        {
            "id": 1,
            "title": "养猪场粪水直排小河",
            "text": "上游养猪场的粪水直排小河，臭气熏天。",
            "category": "pollution",
        },
        {"id": 2, "title": "举报私屠滥宰", "text": "有人在家里私宰生猪，不经检疫就卖。", "category": "slaughter"},
        {"id": 3, "title": "小区化粪池堵塞", "text": "小区化粪池堵了，污水外溢。", "category": "other"},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    done = muqing("eval", "--data", str(data))
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode()
    assert "relevance: precision" in text and "confusion" in text and "pollution" in text
    figures = json.loads(muqing("eval", "--data", str(data), "--json").stdout)
    assert figures["examples"] == 3 and figures["relevance"]["recall"] == 1.0
    assert figures["traps"]["flagged"] == 0


def test_eval_prints_the_model_card(trained_model: str) -> None:
    done = muqing("eval")
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode()
    assert f"model card: {trained_model}" in text and "(Beijing time)" in text
    assert "training examples by class: epidemic" in text
    assert "check:" in text and "relevance precision" in text and "keyword traps flagged" in text
    card = json.loads(muqing("eval", "--json").stdout)["card"]
    assert card["version"] == trained_model and card["sets"][0]["name"] == "check"
    unknown = muqing("eval", "--version", "no-such-version")
    assert unknown.returncode == 2 and "不存在" in unknown.stderr.decode()


def test_classify_reasons_are_words_of_the_post(trained_model: str) -> None:
    post = {"id": "g", "title": "求助", "text": "村后的养猪场把猪粪水排进河里，臭得全村人开不了窗，河水都黑了。"}
    done = muqing("classify", stdin=(json.dumps(post, ensure_ascii=False) + "\n").encode())
    row = json.loads(done.stdout)
    assert row["relevant"] and row["category"] == "pollution" and row["reasons"]
    for reason in row["reasons"]:
        assert set(reason) >= {"term", "weight"} and len(reason["term"]) >= 2
        assert reason["term"] in post["title"] + post["text"]


POST = {"id": "p", "title": "石桥镇养鸡场鸡粪乱堆", "text": "养鸡场的鸡粪堆在路边，臭气熏天。"}


def data_dir_with_model(session_dir: Path, path: Path) -> dict[str, str]:
    """The environment of a data directory holding only the session's trained model."""
    shutil.copytree(session_dir / "models", path / "models")
    return {"MUQING_DATA_DIR": str(path), "MUQING_DATABASE_URL": ""}


def test_classify_needs_no_database_and_creates_none(trained_model: str, session_dir: Path, tmp_path: Path) -> None:
    done = muqing(
        "classify",
        stdin=(json.dumps(POST, ensure_ascii=False) + "\n").encode(),
        env=data_dir_with_model(session_dir, tmp_path),
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["category"] == "pollution"
    assert "district tables" not in done.stderr.decode()
    assert not (tmp_path / "muqing.db").exists()


def test_classify_on_a_database_older_than_the_district_tables_says_how_to_upgrade_it(
    trained_model: str, session_dir: Path, tmp_path: Path
) -> None:
    env = data_dir_with_model(session_dir, tmp_path)
    upgrade(url=f"sqlite:///{tmp_path / 'muqing.db'}", revision="a02")  # before the district tables (c02)
    done = muqing("classify", stdin=(json.dumps(POST, ensure_ascii=False) + "\n").encode(), env=env)
    assert done.returncode == 0
    assert json.loads(done.stdout)["category"] == "pollution"  # the profile's places stand in meanwhile
    assert "muqing db upgrade" in done.stderr.decode()
