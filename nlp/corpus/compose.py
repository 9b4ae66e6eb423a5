"""Compose the long "letter" examples of the seed corpus from our own sentence pools.

Real message-board letters are long and rambling: a greeting, who the writer is, background, the
matter, details, often an aside that mentions something unrelated, a plea. The pools in ``letters/``
hold sentences we wrote for each topic; this script strings them together deterministically into
``style: letter`` examples (ids ``<category>-5001`` and up) and rewrites those lines of
``seed/<category>.jsonl``, leaving the hand-written examples alone.

Relevant and irrelevant letters share the same frames (greetings, introductions, closings, fillers),
so the frames carry no label; irrelevant letters often carry an incidental livestock sentence (a
pigsty pulled down with a house, a stolen cow), so a livestock word alone never decides relevance.

Usage:
    python nlp/corpus/compose.py            # print counts per category
    python nlp/corpus/compose.py --write    # rewrite the letter examples in seed/*.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LETTERS = HERE / "letters"
SEED = HERE / "seed"
FIRST_ID = 5001
MAX_LENGTH = 1500
SEVERITY_RANK = {"一般": 0, "较大": 1, "重大": 2}
NEGATIVE_MARKERS = ("一分钱", "不公平", "拖", "没有结果", "至今", "恶劣", "不服", "亏", "吃不起", "假药", "没用")


def _place(rng: random.Random, places: dict[str, list[str]]) -> dict[str, str]:
    county, town, village = (rng.choice(places[key]) for key in ("counties", "towns", "villages"))
    return {
        "county": county,
        "town": f"{county}{town}" if rng.random() < 0.5 else town,
        "village": f"{town}{village}" if rng.random() < 0.6 else village,
        "place": rng.choice([f"{county}{town}{village}", f"{town}{village}", f"{county}{town}", village]),
    }


def _sentence(item: Any) -> tuple[str, str]:
    if isinstance(item, dict):
        return str(item["t"]), str(item.get("severity", "一般"))
    return str(item), "一般"


def compose_topic(topic: dict[str, Any], category: str, frames: dict[str, Any], rng: random.Random) -> list[dict]:
    """The letters of one topic (labels follow from the category and the sentences chosen)."""
    letters: list[dict] = []
    body = [_sentence(item) for item in topic["body"]]
    incidental = [str(s) for s in topic.get("incidental") or []]
    for _ in range(int(topic["count"])):
        place = _place(rng, frames["places"])
        title = rng.choice(topic["titles"]).format(**place)
        chosen = sorted(rng.sample(range(len(body)), k=min(len(body), rng.randint(3, 6))))
        sentences = [body[i][0] for i in chosen]
        severity = max((body[i][1] for i in chosen), key=SEVERITY_RANK.__getitem__)
        if incidental and rng.random() < 0.6:
            sentences.insert(rng.randint(0, len(sentences)), rng.choice(incidental))
        if rng.random() < 0.45:
            sentences.insert(rng.randint(1, len(sentences)), rng.choice(frames["fillers"]))
        parts = [
            rng.choice(frames["openings"]),
            rng.choice(frames["intros"]).format(**place),
            *sentences,
            rng.choice(frames["closings"]),
        ]
        text = "".join(parts).strip()[:MAX_LENGTH]
        relevant = category != "other"
        if relevant:
            sentiment = (
                "negative" if any(m in text for m in NEGATIVE_MARKERS) or topic["id"] != "subsidies" else "neutral"
            )
        else:
            sentiment = "negative"
        letters.append(
            {
                "style": "letter",
                "title": title,
                "text": text,
                "category": category,
                "needs_response": relevant,
                "severity": severity if relevant else "一般",
                "sentiment": sentiment,
            }
        )
    return letters


def compose() -> dict[str, list[dict]]:
    """Every composed letter, by category, with ids assigned."""
    frames = yaml.safe_load((LETTERS / "frames.yaml").read_text(encoding="utf-8"))
    rng = random.Random(20261127)
    by_category: dict[str, list[dict]] = {}
    for name in ("other", "relevant"):
        data = yaml.safe_load((LETTERS / f"{name}.yaml").read_text(encoding="utf-8"))
        for topic in data["topics"]:
            category = topic.get("category", "other")
            by_category.setdefault(category, []).extend(compose_topic(topic, category, frames, rng))
    seen: set[str] = set()
    for category, letters in by_category.items():
        unique = []
        for letter in letters:
            if letter["text"] not in seen:
                seen.add(letter["text"])
                unique.append(letter)
        for number, letter in enumerate(unique, start=FIRST_ID):
            letter["id"] = f"{category}-{number:04d}"
        by_category[category] = unique
    return by_category


def write(by_category: dict[str, list[dict]]) -> None:
    """Replace the letter examples (ids from FIRST_ID) in each seed file."""
    fields = ("id", "style", "title", "text", "category", "needs_response", "severity", "sentiment")
    for path in sorted(SEED.glob("*.jsonl")):
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and int(json.loads(line)["id"].rsplit("-", 1)[1]) < FIRST_ID:
                kept.append(line)
        new = [
            json.dumps({f: letter[f] for f in fields}, ensure_ascii=False) for letter in by_category.get(path.stem, [])
        ]
        path.write_text("\n".join(kept + new) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the letter examples in seed/*.jsonl")
    args = parser.parse_args(argv)
    by_category = compose()
    print(dict(Counter({c: len(v) for c, v in by_category.items()})))
    if args.write:
        write(by_category)
    return 0


if __name__ == "__main__":
    sys.exit(main())
