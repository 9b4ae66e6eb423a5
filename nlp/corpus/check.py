"""Validate the labelled seed corpus and print its counts table.

Usage:
    python nlp/corpus/check.py            # validate seed/*.jsonl, print the Markdown table
    python nlp/corpus/check.py --quiet    # validate only

Every line of every ``seed/*.jsonl`` file must be one JSON object with exactly the
fields below and allowed values. Ids must be unique across all files, texts must not
repeat (after whitespace normalisation), the file name must match the category, and the
text length must lie within the bounds of its style. Exit status 1 on any problem; each
problem is printed as ``file:line: message``. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent / "seed"

FIELDS = ("id", "style", "title", "text", "category", "needs_response", "severity", "sentiment")
STYLES = ("board", "weibo", "news", "forum", "hotline")
CATEGORIES = (
    "epidemic",
    "pollution",
    "slaughter",
    "product_safety",
    "policy",
    "market",
    "conduct",
    "other",
)
SEVERITIES = ("一般", "较大", "重大")
SENTIMENTS = ("negative", "neutral", "positive")

# Length bounds in characters. For news the headline counts too (headline + lead);
# for the other styles only the body text is measured.
LENGTH_BOUNDS = {
    "weibo": (20, 140),
    "news": (40, 200),
    "board": (80, 600),
    "forum": (50, 400),
    "hotline": (40, 250),
}
# Styles where an empty title is allowed.
TITLE_OPTIONAL = {"weibo", "hotline"}

ID_RE = re.compile(r"^([a-z_]+)-(\d{4,})$")


def measured_length(row: dict) -> int:
    if row["style"] == "news":
        return len(row["title"]) + len(row["text"])
    return len(row["text"])


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_row(row: object, stem: str) -> list[str]:
    problems: list[str] = []
    if not isinstance(row, dict):
        return ["line is not a JSON object"]
    keys = set(row)
    missing = [f for f in FIELDS if f not in keys]
    extra = sorted(keys - set(FIELDS))
    if missing:
        problems.append(f"missing fields: {', '.join(missing)}")
    if extra:
        problems.append(f"unknown fields: {', '.join(extra)}")
    if missing:
        return problems
    for f in ("id", "style", "title", "text", "category", "severity", "sentiment"):
        if not isinstance(row[f], str):
            problems.append(f"field {f} must be a string")
    if not isinstance(row["needs_response"], bool):
        problems.append("field needs_response must be true or false")
    if problems:
        return problems
    m = ID_RE.match(row["id"])
    if not m or m.group(1) != row["category"]:
        problems.append(f"id {row['id']!r} must look like '{row['category']}-0001'")
    if row["style"] not in STYLES:
        problems.append(f"style {row['style']!r} not in {STYLES}")
    if row["category"] not in CATEGORIES:
        problems.append(f"category {row['category']!r} not in {CATEGORIES}")
    if row["category"] != stem:
        problems.append(f"category {row['category']!r} does not match file name {stem!r}")
    if row["severity"] not in SEVERITIES:
        problems.append(f"severity {row['severity']!r} not in {SEVERITIES}")
    if row["sentiment"] not in SENTIMENTS:
        problems.append(f"sentiment {row['sentiment']!r} not in {SENTIMENTS}")
    if row["needs_response"] is False and row["severity"] != "一般":
        problems.append("needs_response=false must have severity 一般")
    if not row["text"].strip():
        problems.append("empty text")
    if row["text"] != row["text"].strip() or row["title"] != row["title"].strip():
        problems.append("title/text has leading or trailing whitespace")
    if row["style"] in STYLES and row["style"] not in TITLE_OPTIONAL and not row["title"].strip():
        problems.append(f"style {row['style']} needs a title")
    if row["style"] in LENGTH_BOUNDS:
        lo, hi = LENGTH_BOUNDS[row["style"]]
        n = measured_length(row)
        if not lo <= n <= hi:
            problems.append(f"length {n} outside {lo}-{hi} for style {row['style']}")
    return problems


def load_and_check(seed_dir: Path) -> tuple[list[dict], list[str]]:
    problems: list[str] = []
    rows: list[dict] = []
    seen_ids: dict[str, str] = {}
    seen_texts: dict[str, str] = {}
    files = sorted(seed_dir.glob("*.jsonl"))
    if not files:
        problems.append(f"{seed_dir}: no *.jsonl files")
    for path in files:
        stem = path.stem
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                where = f"{path.name}:{lineno}"
                if not line.strip():
                    problems.append(f"{where}: blank line")
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    problems.append(f"{where}: invalid JSON ({exc.msg})")
                    continue
                row_problems = check_row(row, stem)
                problems.extend(f"{where}: {p}" for p in row_problems)
                if row_problems:
                    continue
                if row["id"] in seen_ids:
                    problems.append(f"{where}: duplicate id {row['id']} (first at {seen_ids[row['id']]})")
                else:
                    seen_ids[row["id"]] = where
                key = normalise(row["text"])
                if key in seen_texts:
                    problems.append(f"{where}: duplicate text (first at {seen_texts[key]})")
                else:
                    seen_texts[key] = where
                rows.append(row)
    return rows, problems


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def counts_table(rows: list[dict]) -> str:
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_cat[r["category"]].append(r)
    cats = [c for c in CATEGORIES if c in by_cat] + sorted(set(by_cat) - set(CATEGORIES))
    out: list[str] = []

    out.append("### Examples per category and style\n")
    out.append("| category | " + " | ".join(STYLES) + " | total |")
    out.append("|---|" + "---:|" * (len(STYLES) + 1))
    for c in cats:
        sc = Counter(r["style"] for r in by_cat[c])
        out.append(f"| {c} | " + " | ".join(str(sc[s]) for s in STYLES) + f" | {len(by_cat[c])} |")
    sc = Counter(r["style"] for r in rows)
    out.append("| **all** | " + " | ".join(str(sc[s]) for s in STYLES) + f" | {len(rows)} |")

    out.append("\n### needs_response and severity per category\n")
    out.append("| category | needs_response=false | true: 一般 | true: 较大 | true: 重大 | true total | false share |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")

    def sev_row(name: str, items: list[dict]) -> str:
        false_n = sum(1 for r in items if not r["needs_response"])
        sev = Counter(r["severity"] for r in items if r["needs_response"])
        true_n = sum(sev.values())
        return (
            f"| {name} | {false_n} | {sev['一般']} ({pct(sev['一般'], true_n)}) | "
            f"{sev['较大']} ({pct(sev['较大'], true_n)}) | {sev['重大']} ({pct(sev['重大'], true_n)}) | "
            f"{true_n} | {pct(false_n, len(items))} |"
        )

    for c in cats:
        out.append(sev_row(c, by_cat[c]))
    out.append(sev_row("**all**", rows))

    out.append("\n### Style × needs_response × severity (all categories)\n")
    cols = [("false", None), ("true", "一般"), ("true", "较大"), ("true", "重大")]
    out.append("| style | false | true 一般 | true 较大 | true 重大 |")
    out.append("|---|---:|---:|---:|---:|")
    for s in STYLES:
        items = [r for r in rows if r["style"] == s]
        cells = []
        for nr, sev in cols:
            if sev is None:
                cells.append(sum(1 for r in items if not r["needs_response"]))
            else:
                cells.append(sum(1 for r in items if r["needs_response"] and r["severity"] == sev))
        out.append(f"| {s} | " + " | ".join(map(str, cells)) + " |")

    out.append("\n### Sentiment per category\n")
    out.append("| category | " + " | ".join(SENTIMENTS) + " |")
    out.append("|---|" + "---:|" * len(SENTIMENTS))
    for c in cats:
        sc = Counter(r["sentiment"] for r in by_cat[c])
        out.append(f"| {c} | " + " | ".join(str(sc[s]) for s in SENTIMENTS) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quiet", action="store_true", help="validate only, print no table")
    ap.add_argument("--seed-dir", type=Path, default=SEED_DIR, help="folder holding the *.jsonl files")
    args = ap.parse_args(argv)
    rows, problems = load_and_check(args.seed_dir)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    if not args.quiet:
        print(counts_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
