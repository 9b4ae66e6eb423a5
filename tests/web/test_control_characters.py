"""Post titles that hold control characters (as a crawl may bring them) are stored and still export: the
weekly report as DOCX and XLSX, and the posts export as CSV and JSON lines, with the readable text kept."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.factories import make_alert
from tests.web.helpers import sign_in

# Control characters a crawled title may hold (NUL is dropped when stored: PostgreSQL cannot hold it).
CONTROLS = "\x00\x01\x08\x0c\x1b\x1f"


def test_the_weekly_report_exports_a_title_with_control_characters(client: TestClient, people: None) -> None:
    make_alert(title=f"双塘镇{CONTROLS}养鸡场鸡粪乱堆", category="pollution")
    sign_in(client, "leader")
    assert client.get("/reports?kind=week").status_code == 200

    docx = client.get("/reports/export.docx?kind=week")
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "双塘镇\n养鸡场鸡粪乱堆" in cells  # the form feed kept as a line break, the rest dropped

    xlsx = client.get("/reports/export.xlsx?kind=week")
    assert xlsx.status_code == 200
    cases = load_workbook(io.BytesIO(xlsx.content))["案件清单"]
    titles = [row[1] for row in cases.iter_rows(min_row=2, values_only=True)]
    assert titles == ["双塘镇\n养鸡场鸡粪乱堆"]


def test_the_posts_export_keeps_a_title_with_control_characters(seeded: str, tmp_path: Path) -> None:
    from cli import app
    from core.db import session_scope
    from core.service import store_post

    with session_scope() as session:
        store_post(session, url=None, title=f"牛场{CONTROLS}夜间噪音扰民", content="牛场夜间\x00噪音扰民，请尽快处理")
    title = f"牛场{CONTROLS[1:]}夜间噪音扰民"  # on both databases: NUL dropped, the rest as crawled
    out = tmp_path / "posts.csv"
    result = CliRunner().invoke(app, ["posts", "export", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        assert [row["title"] for row in csv.DictReader(handle)] == [title]  # CSV carries any character
    lines = tmp_path / "posts.jsonl"
    result = CliRunner().invoke(app, ["posts", "export", "--output", str(lines)])
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert [(post["title"], post["content"]) for post in exported] == [(title, "牛场夜间噪音扰民，请尽快处理")]


def test_a_crawled_batch_with_a_nul_stores_every_post(db: str) -> None:
    # PostgreSQL text cannot hold NUL: before it was dropped, one such post failed its whole crawl batch there.
    from core.posts import PostIn

    post = _stored_beside_a_good_one(
        PostIn(url=None, title="养猪场\x00污水\x01直排", content="正文\x00", author="网友\x00甲")
    )
    assert (post.title, post.content, post.author) == ("养猪场污水\x01直排", "正文", "网友甲")


def _stored_beside_a_good_one(first: Any) -> Any:
    """Store ``first`` and a plain post in one crawl batch; both must be created. Returns ``first`` as stored."""
    from cli import app  # noqa: F401  (the composition root wires the domains, as in a running process)
    from core.db import session_scope
    from core.models import Post
    from core.posts import PostIn, store_many

    with session_scope() as session:
        outcomes = store_many(session, posts=[first, PostIn(url=None, title="养鸡场夜间噪音", content="村民反映")])
    assert [outcome for outcome, _ in outcomes] == ["created", "created"]
    with session_scope() as session:
        post = session.get(Post, outcomes[0][1])
        assert post is not None
        session.expunge(post)
    return post


def test_a_crawled_batch_with_a_nul_in_extra_stores_every_post(db: str) -> None:
    # PostgreSQL JSON cannot hold U+0000 either (not even as \u0000): the extra fields of a page lose it too.
    from cli import app  # noqa: F401  (the composition root wires the domains, as in a running process)
    from core.db import session_scope
    from core.models import Post
    from core.posts import PostIn, store_many, store_post

    extra = {"forum\x00": "养殖\x00吧", "floors": [{"author": "网友\x00乙", "likes": 3}], "tags": ["粪污\x00", None]}
    clean = {"forum": "养殖吧", "floors": [{"author": "网友乙", "likes": 3}], "tags": ["粪污", None]}
    batch = [
        PostIn(url="https://bbs.example.org/t/1", title="养牛场污水直排", content="村民反映", extra=extra),
        PostIn(url="https://bbs.example.org/t/2", title="养鸡场噪音", content="村民反映", extra={"forum": "养殖吧"}),
    ]
    with session_scope() as session:
        outcomes = store_many(session, posts=batch)
        single = store_post(session, url=None, title="羊场臭味", content="正文", extra={"a\x00": ["b\x00"]}).post.id
    assert [outcome for outcome, _ in outcomes] == ["created", "created"]
    assert "\x00" in batch[0].extra["forum\x00"], "the caller's post is left as given"
    with session_scope() as session:
        stored = [session.get(Post, post_id) for _, post_id in outcomes]
        assert [post.extra for post in stored if post] == [clean, {"forum": "养殖吧"}]
        assert session.get(Post, single).extra == {"a": ["b"]}  # type: ignore[union-attr]


def test_a_crawled_batch_with_half_an_emoji_stores_every_post(db: str) -> None:
    # A JSON source can send one half of a UTF-16 pair alone ("\ud83d"): neither database driver can encode it,
    # and before it was replaced it failed the whole crawl batch, good posts with it.
    from core.posts import PostIn

    post = _stored_beside_a_good_one(
        PostIn(
            url="https://bbs.example.org/t/\ud83d",
            title="养猪场污水直排\ud83d",
            content="村民反映\udc00，臭气熏天😀",
            author="网友\ud83d",
            external_id="id-\udc00",
            source_id=None,
            extra={"floors\ud83d": ["楼主\udc00"]},
        )
    )
    assert (post.title, post.author) == ("养猪场污水直排\ufffd", "网友\ufffd")
    assert post.content == "村民反映\ufffd，臭气熏天😀"
    assert post.extra == {"floors\ufffd": ["楼主\ufffd"]}
    assert post.url is not None and "\ud83d" not in post.url
