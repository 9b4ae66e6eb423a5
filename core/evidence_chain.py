"""Evidence that holds up: every evidence record (存证) is sealed into a hash chain, each hash covering the previous.

A snapshot's chain record hashes its fields (post, URL, role, fetch time, status, content type and the SHA-256
of the stored bytes) together with the hash of the record before it. Changing a snapshot, its stored bytes,
or a chain record, or deleting any of them, breaks the chain from that point on, and ``verify_chain`` names
the first broken record. Records are sealed in the transaction that writes the snapshots, just before it
commits (on PostgreSQL under an advisory lock, so concurrent writers append one after the other; SQLite takes
its write lock at BEGIN anyway). Deleting the newest records together with their chain records is only
detectable against a head recorded elsewhere: ``muqing evidence verify`` prints the head to keep.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, event, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.models import Base, PostSnapshot, RawPage
from core.timeutil import utcnow

GENESIS = "0" * 64
PENDING_FLAG = "muqing_evidence_pending"
# A writer seals the unsealed snapshots among the newest ids; a committed snapshot is always sealed, so only
# its own (newer than whatever was sealed when it began) can be waiting. ``seal_all`` looks further back.
SEAL_WINDOW = 5000
# Any constant: the key of the PostgreSQL advisory lock that serialises sealing.
_LOCK_KEY = 7_104_202_612


class EvidenceLink(Base):
    """One sealed evidence record: its place in the chain, the previous record's hash and its own."""

    __tablename__ = "evidence_chain"
    __table_args__ = (Index("ix_evidence_chain_snapshot_id", "snapshot_id", unique=True),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # No foreign key: a deleted snapshot must leave its chain record behind, so the deletion shows.
    snapshot_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)


def record_hash(*, seq: int, snapshot: PostSnapshot, prev_hash: str) -> str:
    """The hash of one evidence record, covering the previous record's hash."""
    fields: dict[str, Any] = {
        "seq": seq,
        "snapshot_id": snapshot.id,
        "post_id": snapshot.post_id,
        "url": snapshot.url,
        "role": snapshot.role,
        "fetched_at": snapshot.fetched_at.isoformat(timespec="microseconds") if snapshot.fetched_at else None,
        "status": snapshot.status,
        "content_type": snapshot.content_type,
        "encoding": snapshot.encoding,
        "sha256": snapshot.sha256,
        "prev": prev_hash,
    }
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    row = session.execute(select(EvidenceLink.seq, EvidenceLink.record_hash).order_by(EvidenceLink.seq.desc())).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _append(session: Session, snapshots: list[PostSnapshot]) -> int:
    seq, prev = _head(session)
    now = utcnow()
    for snapshot in snapshots:
        seq += 1
        digest = record_hash(seq=seq, snapshot=snapshot, prev_hash=prev)
        session.add(
            EvidenceLink(
                seq=seq,
                snapshot_id=snapshot.id,
                post_id=snapshot.post_id,
                prev_hash=prev,
                record_hash=digest,
                sealed_at=now,
            )
        )
        prev = digest
    session.flush()
    return len(snapshots)


def _unsealed(session: Session, *, low: int) -> list[PostSnapshot]:
    query = (
        select(PostSnapshot)
        .outerjoin(EvidenceLink, EvidenceLink.snapshot_id == PostSnapshot.id)
        .where(EvidenceLink.seq.is_(None), PostSnapshot.id > low)
        .order_by(PostSnapshot.id)
    )
    return list(session.scalars(query))


def seal_pending(session: Session) -> int:
    """Seal the snapshots written in this transaction (and any recent straggler); returns how many."""
    _lock(session)
    newest_sealed = session.scalar(select(func.max(EvidenceLink.snapshot_id))) or 0
    return _append(session, _unsealed(session, low=max(0, newest_sealed - SEAL_WINDOW)))


def seal_all(session: Session) -> int:
    """Seal every snapshot that has no chain record yet (e.g. written before the chain existed)."""
    _lock(session)
    return _append(session, _unsealed(session, low=0))


@event.listens_for(Session, "after_flush")
def _note_new_snapshots(session: Session, _context: Any) -> None:
    if any(isinstance(instance, PostSnapshot) for instance in session.new):
        session.info[PENDING_FLAG] = True


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    # before_commit runs before the commit's own flush: snapshots only added so far are flushed here first.
    if any(isinstance(instance, PostSnapshot) for instance in session.new):
        session.flush()
    if session.info.pop(PENDING_FLAG, False):
        session.flush()
        seal_pending(session)


def note_written(session: Session) -> None:
    """Tell the session that snapshots were inserted past the ORM (bulk inserts): seal them before commit."""
    session.info[PENDING_FLAG] = True


@dataclass(slots=True)
class ChainReport:
    """What ``verify_chain`` found: records checked, the head, and the first broken record if any."""

    records: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    broken_seq: int | None = None
    broken_snapshot_id: int | None = None
    problem: str | None = None
    unsealed: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every record and every stored page is intact and every snapshot is sealed."""
        return self.problem is None


def _links(session: Session, batch: int = 1000) -> Iterator[EvidenceLink]:
    last = 0
    while True:
        rows = list(
            session.scalars(select(EvidenceLink).where(EvidenceLink.seq > last).order_by(EvidenceLink.seq).limit(batch))
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session, *, check_bytes: bool = True) -> ChainReport:
    """Walk the chain from the start; stop at the first broken record and say what is wrong with it."""
    from core.posts import raw_body

    report = ChainReport()
    prev, expected_seq = GENESIS, 1
    for link in _links(session):
        problem = None
        snapshot = session.get(PostSnapshot, link.snapshot_id)
        if link.seq != expected_seq or link.prev_hash != prev:
            problem = f"第 {expected_seq} 条链记录缺失或被改动（链在此处断开）"
        elif snapshot is None:
            problem = f"存证 {link.snapshot_id}（帖子 {link.post_id}）已被删除"
        elif record_hash(seq=link.seq, snapshot=snapshot, prev_hash=prev) != link.record_hash:
            problem = f"存证 {link.snapshot_id}（帖子 {link.post_id}）的记录被改动"
        elif check_bytes:
            raw = session.get(RawPage, snapshot.sha256)
            if raw is None or hashlib.sha256(raw_body(raw)).hexdigest() != snapshot.sha256:
                problem = f"存证 {link.snapshot_id}（帖子 {link.post_id}）保存的原始内容缺失或被改动"
        if problem is not None:
            report.broken_seq, report.broken_snapshot_id, report.problem = link.seq, link.snapshot_id, problem
            return report
        report.records, report.head_seq, report.head_hash = report.records + 1, link.seq, link.record_hash
        prev, expected_seq = link.record_hash, expected_seq + 1
    report.unsealed = [snapshot.id for snapshot in _unsealed(session, low=0)]
    if report.unsealed:
        first = report.unsealed[0]
        report.broken_snapshot_id = first
        report.problem = (
            f"存证 {first} 等 {len(report.unsealed)} 条没有链记录（链记录被删除，或存证未经正常途径写入；"
            "确认无误后可运行 muqing evidence seal）"
        )
    return report
