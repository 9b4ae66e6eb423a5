"""Real public messages for evaluation, read from the shared data directory (never copied into the repo).

The shared data directory is ``$MUQING_SHARED_DATA`` or ``../shared/data`` beside the repository; every
function here returns None or nothing when it is absent, so the scripts that use it skip cleanly.

- ``reviewed_posts``: the 637 messages labelled in ``reviewed/dev_labels.tsv`` (54 of the center's
  matters, 433 keyword traps). ``real_split`` cuts them once, by a hash of the message id, into a
  development half (errors are read and thresholds chosen on it) and a held-out half that is only ever
  scored; copies of one message stay on one side.
- ``teddy_posts``: every distinct message of the TipDM data, labelled by the hand mapping in
  ``corpus/real_eval_labels.yaml`` (the older strict set); ``teddy_tuning_posts``: the part of them that may
  be read for kinds of error and tuned on (no held-out message, nor a copy of one).

    python -m nlp.realdata --output FILE [--split dev|heldout|teddy] [--reviewed]
        labelled JSON lines for ``muqing eval --data FILE``
    python -m nlp.realdata --overlap
        corpus examples and check-set posts that share a rare run of ten characters with a real message
        (must be none that is more than a common phrase: both are our own writing)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from nlp.evaluation import LabelledPost

REPO = Path(__file__).resolve().parent.parent
LABELS = Path(__file__).resolve().parent / "corpus" / "real_eval_labels.yaml"
MESSAGE_FILES = ("labeled_sample.csv", "messages_unlabeled.csv", "messages_with_likes.csv", "messages_with_replies.csv")


def shared_data_dir() -> Path | None:
    """The shared data directory, or None when it is not there."""
    configured = os.environ.get("MUQING_SHARED_DATA")
    path = Path(configured) if configured else REPO.parent / "shared" / "data"
    return path if (path / "teddy2020c" / "livestock_subset.csv").exists() else None


def _clean(text: str | None) -> str:
    return " ".join((text or "").replace("_x000D_", " ").split())


def teddy_posts(root: Path, *, reviewed: bool = False) -> list[LabelledPost]:
    """Every distinct message of the TipDM data, labelled: livestock subset by the mapping, the rest other."""
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    strict = {str(k): v for k, v in labels["strict"].items()}
    extra = {str(k): v for k, v in labels["reviewed"].items()} if reviewed else {}
    folder = root / "teddy2020c"
    positives: dict[tuple[str, str], str] = {}
    with (folder / "livestock_subset.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["留言主题"].strip(), _clean(row["留言详情"])[:50])
            positives[key] = strict.get(row["留言编号"], "other")
    posts: list[LabelledPost] = []
    seen: set[tuple[str, str]] = set()
    for name in MESSAGE_FILES:
        with (folder / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                title, text = row["留言主题"].strip(), _clean(row["留言详情"])
                key = (title, text[:50])
                if key in seen:
                    continue
                seen.add(key)
                number = row["留言编号"]
                category = positives.get(key) or extra.get(number, "other")
                posts.append(
                    LabelledPost(id=f"{name.split('.')[0]}:{number}", title=title, text=text, category=category)
                )
    return posts


# Columns (id, title, text) of each kind of source file that reviewed/dev_labels.tsv points into.
_COLUMNS = {
    "teddy2020c": ("留言编号", "留言主题", "留言详情"),
    "people-liuyan-hangzhou": ("tid", "title", "content"),
    "beijing12345": ("工单编号", "标题", "主要内容"),
}
REVIEWED_FILE = Path("reviewed") / "dev_labels.tsv"
# The real labelled messages are split once, by a hash of the id, into a development half (read, tuned
# on, errors looked at) and a held-out half that is only ever scored: nothing is chosen by its figures.
HELDOUT_PERCENT = 50


def reviewed_posts(root: Path) -> list[LabelledPost]:
    """The 637 real messages of ``reviewed/dev_labels.tsv`` with their labels (ids ``<file>:<id>``)."""
    rows = list(csv.DictReader((root / REVIEWED_FILE).open(encoding="utf-8"), delimiter="\t"))
    wanted: dict[str, set[str]] = {}
    for row in rows:
        wanted.setdefault(row["file"], set()).add(row["id"])
    texts: dict[tuple[str, str], tuple[str, str]] = {}
    for name, ids in wanted.items():
        key, title, text = _COLUMNS[name.split("/")[0]]
        with (root / name).open(encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                if record[key] in ids:
                    texts[(name, record[key])] = (_clean(record[title]), _clean(record[text]))
    posts = []
    for row in rows:
        title, text = texts[(row["file"], row["id"])]
        posts.append(
            LabelledPost(
                id=f"{row['file']}:{row['id']}",
                title=title,
                text=text,
                category=row["category"] if row["relevant"] == "1" else "other",
                needs_response=row["needs_response"] == "1",
                trap=row["trap"] == "1",
            )
        )
    return posts


def _bucket(identifier: str) -> int:
    return int.from_bytes(hashlib.sha256(identifier.encode()).digest()[:4], "big") % 100


def real_split(posts: Sequence[LabelledPost]) -> tuple[list[LabelledPost], list[LabelledPost]]:
    """(development, held-out): by a hash of the id; copies of one message (same title and opening) follow
    the copy with the smallest id, so no message is on both sides."""
    groups: dict[tuple[str, str], str] = {}
    for post in posts:
        key = (post.title, post.text[:50])
        groups[key] = min(groups.get(key, post.id), post.id)
    development: list[LabelledPost] = []
    heldout: list[LabelledPost] = []
    for post in posts:
        side = heldout if _bucket(groups[(post.title, post.text[:50])]) < HELDOUT_PERCENT else development
        side.append(post)
    return development, heldout


def real_sets() -> dict[str, list[LabelledPost]] | None:
    """``{"dev": [...], "heldout": [...]}`` of the reviewed real messages, or None without the shared data."""
    root = shared_data_dir()
    if root is None or not (root / REVIEWED_FILE).exists():
        return None
    development, heldout = real_split(reviewed_posts(root))
    return {"dev": development, "heldout": heldout}


def teddy_tuning_posts(root: Path) -> list[LabelledPost]:
    """The TipDM messages that may be read and tuned on: every one except those of the held-out half.

    A TipDM message is left out when its number is the id of any held-out message from the TipDM files
    (numbers are compared across the four files, which over-excludes rather than leaks), or when its
    title and opening, or its whole text, equal a held-out message's (a copy under another number)."""
    _, heldout = real_split(reviewed_posts(root))
    numbers = {post.id.rsplit(":", 1)[1] for post in heldout if post.id.startswith("teddy2020c/")}
    keys = {(post.title, post.text[:50]) for post in heldout}
    texts = {_squeeze(post.text) for post in heldout if post.text}
    return [
        post
        for post in teddy_posts(root)
        if post.id.rsplit(":", 1)[1] not in numbers
        and (post.title, post.text[:50]) not in keys
        and _squeeze(post.text) not in texts
    ]


def _squeeze(text: str) -> str:
    return "".join(text.split())


def overlaps(root: Path, *, size: int = 10, common: int = 3) -> list[tuple[str, list[str]]]:
    """Corpus examples and check-set posts sharing a run of ``size`` characters with fewer than ``common`` real
    messages."""
    import re

    from nlp.corpus import read_examples, seed_files

    def runs(text: str) -> set[str]:
        found: set[str] = set()
        for piece in re.findall(r"[\u4e00-\u9fff]+", text):
            found.update(piece[i : i + size] for i in range(len(piece) - size + 1))
        return found

    seen: dict[str, set[str]] = {}
    for post in [*teddy_posts(root), *reviewed_posts(root)]:
        for run in runs(f"{post.title} {post.text}"):
            seen.setdefault(run, set()).add(post.id.split(":")[-1])
    from nlp.evaluation import check_set

    ours = [(e.id, e.title, e.text) for e in read_examples(seed_files())]
    ours += [(post.id, post.title, post.text) for post in check_set()]
    hits = []
    for example_id, title, text in ours:
        shared = sorted(run for run in runs(f"{title} {text}") if 0 < len(seen.get(run, ())) < common)
        if shared:
            hits.append((example_id, shared))
    return hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="where to write the labelled JSON lines")
    parser.add_argument("--split", choices=("dev", "heldout", "teddy"), default="dev", help="which real set to write")
    parser.add_argument("--reviewed", action="store_true", help="teddy: count the reviewed messages as positives too")
    parser.add_argument("--overlap", action="store_true", help="list corpus examples sharing rare runs with real text")
    args = parser.parse_args(argv)
    root = shared_data_dir()
    if root is None:
        print("shared data not found: set MUQING_SHARED_DATA", file=sys.stderr)
        return 2
    if args.overlap:
        hits = overlaps(root)
        for example_id, shared in hits:
            print(f"{example_id}: {' '.join(shared)}")
        print(f"{len(hits)} corpus examples share a rare run of ten characters with real messages", file=sys.stderr)
        return 0
    if args.output is None:
        parser.error("--output is required (or --overlap)")
    if args.split == "teddy":
        posts = teddy_posts(root, reviewed=args.reviewed)
    else:
        development, heldout = real_split(reviewed_posts(root))
        posts = development if args.split == "dev" else heldout
    with args.output.open("w", encoding="utf-8") as handle:
        for post in posts:
            row: dict[str, object] = {"id": post.id, "title": post.title, "text": post.text, "category": post.category}
            if post.trap is not None:
                row["trap"] = post.trap
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(posts)} posts, {sum(p.relevant for p in posts)} relevant", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
