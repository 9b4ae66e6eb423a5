"""Real public messages for evaluation, read from the shared data directory (never copied into the repo).

``python -m nlp.realdata --output FILE`` writes the labelled JSON lines that ``muqing eval --data FILE``
reads, using the hand mapping in ``corpus/real_eval_labels.yaml``. The shared data directory is
``$MUQING_SHARED_DATA`` or ``../shared/data`` beside the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
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
