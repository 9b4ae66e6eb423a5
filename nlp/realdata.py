"""Real public messages for evaluation, read from the shared data directory (never copied into the repo).

``python -m nlp.realdata --output FILE`` writes the labelled JSON lines that ``muqing eval --data FILE``
reads, using the hand mapping in ``corpus/real_eval_labels.yaml``. The shared data directory is
``$MUQING_SHARED_DATA`` or ``../shared/data`` beside the repository.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="where to write the labelled JSON lines")
    parser.add_argument("--reviewed", action="store_true", help="count the reviewed messages as positives too")
    args = parser.parse_args(argv)
    root = shared_data_dir()
    if root is None:
        print("shared data not found: set MUQING_SHARED_DATA", file=sys.stderr)
        return 2
    posts = teddy_posts(root, reviewed=args.reviewed)
    with args.output.open("w", encoding="utf-8") as handle:
        for post in posts:
            row = {"id": post.id, "title": post.title, "text": post.text, "category": post.category}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(posts)} posts, {sum(p.relevant for p in posts)} relevant", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
