"""Compose the varied part of the corpus from our own phrase pools (``pools/``).

Real letters to a message board are long or very short, formal or colloquial, raise one matter or
several, and often carry a title that says nothing (投诉, 求助, 反映问题). This script strings our own
sentences together into examples of every such shape, deterministically:

- ``letter``: greeting, who writes, some background, one to three matters joined by connectors, a plea;
- ``board``: one matter told plainly with details and a request;
- ``short``: one or two colloquial sentences with no official vocabulary (Weibo, forum replies);
- ``hotline``: a work order ("市民来电反映……诉求：……").

A matter (``pools/relevant.yaml``, ``pools/other.yaml``) has titles and sentences of several roles
(what happened, details, the harm, the history, the request, colloquial lines). A relevant example
always holds one livestock matter; it may be told among unrelated matters (a road, the water supply),
first, in the middle or last. An ``other`` example holds only matters of other offices, many of them with
livestock words in another sense (a place, a shop, an idiom, a nickname) or in passing (a pigsty pulled
down with a house). Frames, connectors and generic titles are shared by both labels, so they carry no
label. Slots (``pools/slots.yaml``) name invented places, people, farms and animals.

Usage:
    python nlp/corpus/generate.py            # print counts per category and shape
    python nlp/corpus/generate.py --write    # rewrite composed/<category>.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from nlp.features import extract  # noqa: E402  (the repository root is only on the path from here on)
from nlp.matters import has_subject  # noqa: E402

POOLS = HERE / "pools"
OUT = HERE / "composed"
SEED = 20261206
SEVERITY_RANK = {"一般": 0, "较大": 1, "重大": 2}
SHAPES = {"letter": 0.40, "board": 0.26, "short": 0.17, "hotline": 0.11, "list": 0.06}
# Share of the livestock complaints composed as a long letter about other matters in which ours is an aside.
ASIDE_RATE = 0.12
STYLE_OF_SHAPE = {"letter": "letter", "board": "board", "short": "weibo", "hotline": "hotline", "list": "letter"}
_SLOT = re.compile(r"\{([^{}]+)\}")


def _load(name: str) -> Any:
    return yaml.safe_load((POOLS / f"{name}.yaml").read_text(encoding="utf-8"))


class Writer:
    """Fills slots consistently within one example (the same village, farm and animal throughout)."""

    def __init__(self, slots: dict[str, Any], kits: dict[str, dict[str, list[str]]], rng: random.Random) -> None:
        self.slots = slots
        self.kits = kits
        self.rng = rng
        self.chosen: dict[str, str] = {}
        self.kit: dict[str, list[str]] = {}

    def start(self, kit_names: list[str] | None) -> None:
        """A new example: forget every choice; pick the animal kit the matter allows."""
        self.chosen = {}
        names = kit_names or list(self.kits)
        self.kit = self.kits[self.rng.choice(names)]

    def value(self, name: str) -> str:
        """The value of slot ``name`` for this example (chosen once, then reused)."""
        if name in self.chosen:
            return self.chosen[name]
        base = name.rstrip("0123456789")
        if base in self.kit:
            value = self.rng.choice(self.kit[base])
        elif base in self.slots:
            value = self.rng.choice(self.slots[base])
        else:
            raise KeyError(f"unknown slot {{{name}}}")
        value = self.fill(value)
        self.chosen[name] = value
        return value

    def fill(self, template: str) -> str:
        """``template`` with every slot replaced."""
        return _SLOT.sub(lambda m: self.value(m.group(1)), template)


def _text(item: Any) -> tuple[str, str]:
    if isinstance(item, dict):
        return str(item["t"]), str(item.get("severity", "一般"))
    return str(item), "一般"


def _pick(rng: random.Random, items: list[Any], low: int, high: int) -> list[Any]:
    if not items:
        return []
    count = min(len(items), rng.randint(low, high))
    return rng.sample(items, count)


def tell(matter: dict[str, Any], writer: Writer, shape: str) -> tuple[list[str], list[str], str]:
    """The sentences that tell one matter in ``shape`` (what happened, the request) and the severity they imply."""
    rng = writer.rng
    if shape == "short" and matter.get("colloquial"):
        chosen = _pick(rng, matter["colloquial"], 1, 2)
    else:
        # Letters tell a matter at length, as real ones do: more details, the harm, what was tried before.
        long = shape == "letter"
        chosen = _pick(rng, matter.get("core", []), 1, 2)
        chosen += _pick(rng, matter.get("detail", []), 2 if long else (0 if shape == "short" else 1), 4 if long else 3)
        chosen += _pick(rng, matter.get("impact", []), 1 if long else 0, 2)
        if rng.random() < (0.75 if long else 0.4):
            chosen += _pick(rng, matter.get("history", []), 1, 1)
    asks = _pick(rng, matter.get("ask", []), 1, 1) if shape != "short" or rng.random() < 0.3 else []
    severity = "一般"
    told: list[list[str]] = [[], []]
    for part, items in enumerate((chosen, asks)):
        for item in items:
            sentence, level = _text(item)
            told[part].append(_end(writer.fill(sentence)))
            if SEVERITY_RANK[level] > SEVERITY_RANK[severity]:
                severity = level
    return told[0], told[1], severity


def _end(sentence: str) -> str:
    return sentence if sentence[-1:] in "。！？!?…；" else sentence + "。"


def compose_one(
    primary: dict[str, Any],
    extras: list[dict[str, Any]],
    writer: Writer,
    frames: dict[str, Any],
    shape: str,
    *,
    incidental: list[str] = (),  # type: ignore[assignment]
    incidental_rate: float = 0.0,
) -> dict[str, Any]:
    """One example: ``primary`` decides the labels; ``extras`` are other offices' matters told alongside."""
    rng = writer.rng
    writer.start(primary.get("kits"))
    told = [(primary, *tell(primary, writer, shape))]
    for extra in extras:
        told.append((extra, *tell(extra, writer, "board" if shape == "letter" else shape)))
    if len(told) > 1:
        rng.shuffle(told)
    parts: list[str] = []
    if shape == "hotline":
        parts.append(writer.fill(rng.choice(frames["hotline_openings"])))
        parts.extend(s for _, body, _, _ in told for s in body)
        asks = [s for _, _, ask, _ in told for s in ask]
        if asks:
            parts.append(rng.choice(frames["hotline_asks"]) + "".join(asks))
    else:
        if shape == "letter":
            parts.append(rng.choice(frames["openings"]))
            parts.append(writer.fill(rng.choice(frames["intros"])))
            if rng.random() < 0.5:
                parts.append(writer.fill(rng.choice(frames["backgrounds"])))
        elif shape == "board" and rng.random() < 0.5:
            parts.append(writer.fill(rng.choice(frames["intros"])))
        for number, (_, body, ask, _) in enumerate(told):
            if len(told) > 1:
                parts.append(rng.choice(frames["connectors"][min(number, 2)]))
            parts.extend(body)
            parts.extend(ask)
            if shape == "letter" and rng.random() < 0.25:
                parts.append(rng.choice(frames["fillers"]))
        if shape in ("letter", "board"):
            parts.append(rng.choice(frames["closings"]))
        elif rng.random() < 0.3:
            parts.append(rng.choice(frames["short_endings"]))
    if primary["category"] == "other" and incidental and shape != "hotline" and rng.random() < incidental_rate:
        # A passing mention of an animal, anywhere after the greeting.
        parts.insert(rng.randint(min(1, len(parts)), len(parts)), rng.choice(incidental))
    text = "".join(parts)
    title = _title(primary, told, writer, frames, shape)
    severity = next(level for matter, _, _, level in told if matter is primary)
    relevant = primary["category"] != "other"
    return {
        "style": STYLE_OF_SHAPE[shape],
        "title": title,
        "text": text,
        "category": primary["category"],
        "needs_response": relevant and primary.get("needs_response", True),
        "severity": severity if relevant and primary.get("needs_response", True) else "一般",
        "sentiment": primary.get("sentiment", "negative"),
    }


def _title(
    primary: dict[str, Any],
    told: list[tuple[dict[str, Any], list[str], list[str], str]],
    writer: Writer,
    frames: dict[str, Any],
    shape: str,
) -> str:
    rng = writer.rng
    if shape == "hotline" or (shape == "short" and rng.random() < 0.6):
        return ""
    draw = rng.random()
    if draw < 0.28:
        return writer.fill(rng.choice(frames["generic_titles"]))
    if draw < 0.4 and len(told) > 1:
        # The headline names another of the matters, as when the livestock one is the second point.
        others = [m for m, _, _, _ in told if m is not primary and m.get("titles")]
        if others:
            return writer.fill(rng.choice(rng.choice(others)["titles"]))
    return writer.fill(rng.choice(primary["titles"]))


def compose_list(
    primary: dict[str, Any], others: list[dict[str, Any]], writer: Writer, frames: dict[str, Any]
) -> dict[str, Any]:
    """A letter that lists several problems in a few words each; one of them may be ours."""
    rng = writer.rng
    writer.start(primary.get("kits"))
    items = [writer.fill(rng.choice(primary["brief"]))]
    items += [writer.fill(rng.choice(m["brief"])) for m in others]
    rng.shuffle(items)
    joiner = rng.choice(["、", "，", "；"])
    parts = [
        rng.choice(frames["openings"]),
        writer.fill(rng.choice(frames["intros"])),
        rng.choice(frames["list_leads"]),
        joiner.join(items) + rng.choice(["等问题。", "，", "，问题一大堆。", "。"]),
        rng.choice(frames["closings"]),
    ]
    relevant = primary["category"] != "other"
    return {
        "style": "letter",
        "title": writer.fill(rng.choice(frames["generic_titles"] if rng.random() < 0.5 else others[0]["titles"])),
        "text": "".join(parts).replace("，，", "，"),
        "category": primary["category"],
        "needs_response": relevant,
        "severity": "一般",
        "sentiment": "negative",
    }


def compose_aside(
    primary: dict[str, Any], others: list[dict[str, Any]], writer: Writer, frames: dict[str, Any]
) -> dict[str, Any]:
    """A long letter about other offices' matters in which the livestock matter takes a sentence or two.

    Real letters often raise a farm's waste water or a private slaughter point as the second or third
    point of a letter about the water supply or a road; the livestock matter then has none of the length
    or the headline, and the example is still the center's business.
    """
    rng = writer.rng
    writer.start(primary.get("kits"))
    items = [[*body, *ask] for body, ask, _ in (tell(m, writer, "letter") for m in others)]
    sentence, severity = _text(rng.choice(primary.get("core") or primary["brief"]))
    ours = [_end(writer.fill(sentence))]
    if primary.get("detail") and rng.random() < 0.35:
        ours.append(_end(writer.fill(_text(rng.choice(primary["detail"]))[0])))
    if primary.get("ask") and rng.random() < 0.5:
        ours.append(_end(writer.fill(_text(rng.choice(primary["ask"]))[0])))
    items.insert(rng.randint(1, len(items)) if rng.random() < 0.8 else 0, ours)
    parts = [rng.choice(frames["openings"]), writer.fill(rng.choice(frames["intros"]))]
    if rng.random() < 0.5:
        parts.append(writer.fill(rng.choice(frames["backgrounds"])))
    for number, item in enumerate(items):
        parts.append(rng.choice(frames["connectors"][min(number, 2)]))
        parts.extend(item)
    parts.append(rng.choice(frames["closings"]))
    titled = [m for m in others if m.get("titles")]
    generic = rng.random() < 0.4 or not titled
    title = rng.choice(frames["generic_titles"]) if generic else rng.choice(rng.choice(titled)["titles"])
    return {
        "style": "letter",
        "title": writer.fill(title),
        "text": "".join(parts),
        "category": primary["category"],
        "needs_response": True,
        "severity": severity,
        "sentiment": primary.get("sentiment", "negative"),
    }


def names_livestock(example: dict[str, Any]) -> bool:
    """A livestock example must name what it is about (an animal, a farm, meat, the station …): a sentence cut
    from its matter, such as a rude clerk without the station's name, would teach that plain complaint words
    are the center's business."""
    return example["category"] == "other" or has_subject(extract(example["title"], example["text"]).matter)


def keeps_the_point(matter: dict[str, Any], example: dict[str, Any]) -> bool:
    """The matter's ``requires`` pattern (when it has one) occurs in the example's title or text."""
    pattern = matter.get("requires")
    return not pattern or re.search(pattern, f"{example['title']} {example['text']}") is not None


def compose() -> dict[str, list[dict[str, Any]]]:
    """Every composed example, by category, with ids assigned."""
    slots = _load("slots")
    frames = _load("frames")
    relevant = _load("relevant")["matters"]
    other_pools = _load("other")
    other = other_pools["matters"]
    incidental = list(other_pools.get("incidental") or [])
    rate = float(other_pools.get("incidental_rate", 0.0))
    plain = [m for m in other if m.get("plain")]
    listable = [m for m in other if m.get("brief")]
    rng = random.Random(SEED)
    writer = Writer(slots["slots"], slots["kits"], rng)
    by_category: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    shapes, weights = list(SHAPES), list(SHAPES.values())
    for matter in [*relevant, *other]:
        for _ in range(int(matter.get("count", 20))):
            shape = rng.choices(shapes, weights)[0]
            if matter.get("shapes"):
                shape = rng.choice(matter["shapes"])
            if shape == "list":
                if not matter.get("brief"):
                    continue
                listed = [m for m in rng.sample(listable, rng.randint(2, 4)) if m is not matter]
                example = compose_list(matter, listed, writer, frames)
                if example["text"] not in seen and names_livestock(example) and keeps_the_point(matter, example):
                    seen.add(example["text"])
                    example["matter"] = matter["id"]
                    by_category.setdefault(matter["category"], []).append(example)
                continue
            if matter["category"] != "other" and matter.get("needs_response", True) and rng.random() < ASIDE_RATE:
                example = compose_aside(matter, rng.sample(plain, rng.randint(1, 2)), writer, frames)
                if example["text"] not in seen and names_livestock(example) and keeps_the_point(matter, example):
                    seen.add(example["text"])
                    example["matter"] = matter["id"]
                    by_category.setdefault(matter["category"], []).append(example)
                continue
            extras: list[dict[str, Any]] = []
            if shape == "letter" and rng.random() < 0.55:
                pool = plain if matter["category"] != "other" else other
                extras = [m for m in rng.sample(pool, rng.randint(1, 2)) if m is not matter]
            example = compose_one(matter, extras, writer, frames, shape, incidental=incidental, incidental_rate=rate)
            if example["text"] in seen or not names_livestock(example) or not keeps_the_point(matter, example):
                continue
            seen.add(example["text"])
            example["matter"] = matter["id"]
            by_category.setdefault(matter["category"], []).append(example)
    for category, examples in by_category.items():
        for number, example in enumerate(examples, start=1):
            example["id"] = f"{category}-c{number:04d}"
    return by_category


def write(by_category: dict[str, list[dict[str, Any]]]) -> None:
    """Rewrite ``composed/<category>.jsonl``."""
    fields = ("id", "style", "title", "text", "category", "needs_response", "severity", "sentiment")
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.jsonl"):
        old.unlink()
    for category, examples in sorted(by_category.items()):
        lines = [json.dumps({f: e[f] for f in fields}, ensure_ascii=False) for e in examples]
        (OUT / f"{category}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite composed/<category>.jsonl")
    parser.add_argument("--show", type=int, default=0, help="print N random examples")
    args = parser.parse_args(argv)
    by_category = compose()
    print({c: len(v) for c, v in sorted(by_category.items())})
    print(dict(Counter(e["style"] for v in by_category.values() for e in v)))
    if args.show:
        everything = [e for v in by_category.values() for e in v]
        for example in random.Random(1).sample(everything, args.show):
            print(json.dumps(example, ensure_ascii=False))
    if args.write:
        write(by_category)
    return 0


if __name__ == "__main__":
    sys.exit(main())
