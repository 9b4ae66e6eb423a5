"""Evidence that holds up: every evidence record is sealed into a hash chain; `muqing evidence verify` finds the
first record that was changed or deleted (exit 1, naming it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, delete, select, text, update
from typer.testing import CliRunner

if TYPE_CHECKING:
    from core.evidence_chain import EvidenceLink


def _store(count: int) -> list[int]:
    from core.db import session_scope
    from core.posts import EvidenceIn, PostIn, store_many, store_post

    fetched = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
    with session_scope() as session:
        posts = [
            PostIn(
                url=f"http://board.example/t/{n}.html",
                title=f"帖子 {n}",
                content=f"第 {n} 篇帖子的正文，写得足够长，好让每一篇都不一样：{'正文' * n}",
                evidence=EvidenceIn(
                    body=f"<html>page {n}</html>".encode(), url=f"http://board.example/t/{n}.html", fetched_at=fetched
                ),
                attachments=[
                    EvidenceIn(body=b"\x89PNG\r\n\x1a\n" + bytes([n]), content_type="image/png", role="screenshot")
                ],
            )
            for n in range(1, count)
        ]
        ids = [post_id for _, post_id in store_many(session, posts=posts) if post_id is not None]
    with session_scope() as session:  # one more through the ORM path
        stored = store_post(
            session,
            url="http://board.example/t/last.html",
            title="最后一篇",
            content="通过逐条保存写入的帖子，也要进入存证链。",
            evidence=EvidenceIn(body=b"<html>last</html>", url="http://board.example/t/last.html", fetched_at=fetched),
        )
        ids.append(stored.post.id)
    return ids


def _verify(*args: str) -> tuple[int, str]:
    from cli import app

    result = CliRunner().invoke(app, ["evidence", "verify", *args])
    return result.exit_code, result.output


def test_every_record_is_sealed_and_a_changed_one_is_named(db: str) -> None:
    from core.db import session_scope
    from core.evidence_chain import EvidenceLink
    from core.models import PostSnapshot

    _store(4)
    code, output = _verify()
    assert code == 0 and "7 条记录" in output, output  # 3 pages + 3 screenshots + 1 page
    with session_scope() as session:
        second = session.scalars(select_links(EvidenceLink)).all()[1]
        snapshot_id = second.snapshot_id
        session.execute(
            update(PostSnapshot).where(PostSnapshot.id == snapshot_id).values(url="http://elsewhere.example/")
        )
    code, output = _verify()
    assert code == 1 and f"存证 {snapshot_id}" in output and "被改动" in output and "第 2 条" in output


def test_deleted_records_and_changed_bytes_are_found(db: str) -> None:
    from core.db import session_scope
    from core.evidence_chain import EvidenceLink
    from core.models import PostSnapshot, RawPage

    _store(4)
    with session_scope() as session:
        links = session.scalars(select_links(EvidenceLink)).all()
        third, fifth = links[2], links[4]
        raw = session.get(PostSnapshot, fifth.snapshot_id).sha256  # type: ignore[union-attr]
        session.execute(update(RawPage).where(RawPage.sha256 == raw).values(body=b"x\x9c\x03\x00\x00\x00\x00\x01"))
    code, output = _verify()
    assert code == 1 and f"存证 {fifth.snapshot_id}" in output and "原始内容" in output
    assert _verify("--quick")[0] == 0  # the records themselves are intact
    with session_scope() as session:
        session.execute(delete(PostSnapshot).where(PostSnapshot.id == third.snapshot_id))
    code, output = _verify("--quick")
    assert code == 1 and f"存证 {third.snapshot_id}" in output and "已被删除" in output
    with session_scope() as session:
        session.execute(delete(EvidenceLink).where(EvidenceLink.seq == third.seq))
    code, output = _verify("--quick")
    assert code == 1 and f"第 {third.seq} 条链记录缺失" in output


def test_a_snapshot_without_a_chain_record_is_reported_until_sealed(db: str) -> None:
    from cli import app
    from core.db import session_scope

    _store(2)
    with session_scope() as session:
        session.execute(text("DELETE FROM evidence_chain"))
    code, output = _verify()
    assert code == 1 and "没有链记录" in output
    assert CliRunner().invoke(app, ["evidence", "seal"]).exit_code == 0
    assert _verify()[0] == 0


def select_links(model: type[EvidenceLink]) -> Select[EvidenceLink]:
    return select(model).order_by(model.seq)
