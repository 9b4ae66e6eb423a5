"""The TipDM messages that may be tuned on never include a held-out message or a copy of one."""

from __future__ import annotations

import csv
from pathlib import Path

from nlp.realdata import _bucket, real_split, reviewed_posts, teddy_tuning_posts

FIELDS = ("留言编号", "留言主题", "留言详情")
FILES = ("labeled_sample.csv", "messages_unlabeled.csv", "messages_with_likes.csv", "messages_with_replies.csv")


def _write(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(rows)


def _number(*, heldout: bool) -> str:
    return next(str(n) for n in range(1, 100) if (_bucket(f"teddy2020c/messages_unlabeled.csv:{n}") < 50) == heldout)


def test_held_out_messages_and_their_copies_are_left_out_of_the_tuning_part(tmp_path: Path) -> None:
    hidden, seen = _number(heldout=True), _number(heldout=False)
    folder = tmp_path / "teddy2020c"
    folder.mkdir()
    secret = ("村东头养猪场的粪水流进小河", "每天夜里都有一股味道从河边飘过来，请派人看看。")
    told = ("路口的红绿灯坏了", "早上上学的孩子过马路很危险。")
    _write(
        folder / "messages_unlabeled.csv",
        [(hidden, *secret), (seen, *told), ("900", "小区电梯常坏", "物业一直拖着不修。")],
    )
    # The same held-out letter again under another number and title in another file: a copy, left out too.
    _write(folder / "messages_with_likes.csv", [("901", "反映问题", f" {secret[1]} ")])
    _write(folder / "labeled_sample.csv", [])
    _write(folder / "messages_with_replies.csv", [])
    _write(folder / "livestock_subset.csv", [])
    (tmp_path / "reviewed").mkdir()
    (tmp_path / "reviewed" / "dev_labels.tsv").write_text(
        "file\tid\trelevant\tcategory\tneeds_response\ttrap\tnote\n"
        f"teddy2020c/messages_unlabeled.csv\t{hidden}\t1\tpollution\t1\t0\t\n"
        f"teddy2020c/messages_unlabeled.csv\t{seen}\t0\tother\t0\t0\t\n",
        encoding="utf-8",
    )
    development, heldout = real_split(reviewed_posts(tmp_path))
    assert [p.title for p in heldout] == [secret[0]] and [p.title for p in development] == [told[0]]

    titles = sorted(post.title for post in teddy_tuning_posts(tmp_path))

    assert titles == sorted([told[0], "小区电梯常坏"])
