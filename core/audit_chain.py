"""The audit log that holds: both audit logs (case events, admin changes) are append-only and sealed into one
hash chain, so a row changed, removed or slipped in past the application is found by ``muqing audit verify``.

Each chain record (``audit_chain``) names one entry (its log and id), keeps the canonical JSON of the entry's
fields as sealed, the previous record's hash and its own: sha256 over the canonical JSON of
``{"fields", "log", "prev", "seq"}``. Entries are sealed in the transaction that wrote them, just before it
commits, under a PostgreSQL advisory lock (two writers append one after the other; SQLite writers hold the
write lock from BEGIN). Sealing at commit keeps the lock short and last, after every other row lock the
transaction took, so it cannot deadlock with them.

The fields hashed per log are fixed here (``LOG_TABLES``) with their column types, so the migration that
sealed the rows already there and every later verification read them the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Delete,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Update,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from core.errors import AppendOnly
from core.models import Base
from core.timeutil import utcnow
from core.types import JSONType, UTCDateTime

GENESIS = "0" * 64
CHAIN_TABLE = "audit_chain"
# Any constant, distinct from the evidence chain's: the key of the advisory lock that serialises sealing.
_LOCK_KEY = 7_104_202_620
_PENDING = "muqing_audit_pending"

_fields = MetaData()
# The fields of each log that the chain covers, as sealed. Never change a list: old records would no longer match.
LOG_TABLES: dict[str, Table] = {
    "alert_event": Table(
        "alert_event",
        _fields,
        Column("id", Integer, primary_key=True),
        Column("alert_id", Integer),
        Column("at", UTCDateTime()),
        Column("actor_id", Integer),
        Column("action", String),
        Column("from_status", String),
        Column("to_status", String),
        Column("note", Text),
        Column("data", JSONType),
    ),
    "admin_change": Table(
        "admin_change",
        _fields,
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime()),
        Column("actor_id", Integer),
        Column("actor_name", String),
        Column("entity", String),
        Column("entity_id", Integer),
        Column("entity_name", String),
        Column("action", String),
        Column("before", JSONType),
        Column("after", JSONType),
        Column("note", Text),
    ),
}
PROTECTED_TABLES = frozenset({*LOG_TABLES, CHAIN_TABLE})


class AuditLink(Base):
    """One sealed audit entry: its place in the chain, its fields as sealed, the previous hash and its own."""

    __tablename__ = CHAIN_TABLE
    __table_args__ = (Index("ix_audit_chain_entry", "log", "entry_id", unique=True),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    log: Mapped[str] = mapped_column(String(40))
    # No foreign key: a removed entry must leave its chain record behind, so the removal shows.
    entry_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_fields(log: str, row: Any) -> dict[str, Any]:
    """The chained fields of one entry row (read through ``LOG_TABLES``), as plain JSON values."""
    return {column.name: _plain(row._mapping[column.name]) for column in LOG_TABLES[log].columns}


def entry_hash(*, seq: int, log: str, payload: str, prev_hash: str) -> str:
    """The hash of one chain record: its entry's canonical fields with the previous record's hash."""
    record = {"fields": json.loads(payload), "log": log, "prev": prev_hash, "seq": seq}
    return hashlib.sha256(_canonical(record).encode("utf-8")).hexdigest()


def _rows(connection: Connection, log: str, ids: Sequence[int]) -> dict[int, Any]:
    table = LOG_TABLES[log]
    found: dict[int, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for row in connection.execute(select(table).where(table.c.id.in_(chunk))):
            found[int(row.id)] = row
    return found


def _head(connection: Connection) -> tuple[int, str]:
    chain = AuditLink.__table__
    row = connection.execute(select(chain.c.seq, chain.c.entry_hash).order_by(chain.c.seq.desc()).limit(1)).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)


def seal(connection: Connection, entries: Sequence[tuple[str, int]]) -> int:
    """Append chain records for ``entries`` ((log, id) in the order written) that exist and are not sealed yet."""
    if not entries:
        return 0
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    chain = AuditLink.__table__
    by_log: dict[str, list[int]] = {}
    for log, entry_id in entries:
        by_log.setdefault(log, []).append(entry_id)
    rows = {log: _rows(connection, log, ids) for log, ids in by_log.items()}
    sealed: set[tuple[str, int]] = set()
    for log, ids in by_log.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = select(chain.c.entry_id).where(chain.c.log == log, chain.c.entry_id.in_(chunk))
            sealed.update((log, int(entry_id)) for entry_id in connection.scalars(query))
    seq, prev = _head(connection)
    now, records = utcnow(), []
    for log, entry_id in dict.fromkeys(entries):
        row = rows[log].get(entry_id)
        if row is None or (log, entry_id) in sealed:
            continue  # rolled back with a savepoint, or sealed by an earlier commit
        seq += 1
        payload = _canonical(entry_fields(log, row))
        digest = entry_hash(seq=seq, log=log, payload=payload, prev_hash=prev)
        records.append(
            {"seq": seq, "log": log, "entry_id": entry_id, "payload": payload, "prev_hash": prev}
            | {"entry_hash": digest, "sealed_at": now}
        )
        prev = digest
    for start in range(0, len(records), 500):
        connection.execute(insert(AuditLink), records[start : start + 500])
    return len(records)


def unsealed(connection: Connection) -> list[tuple[str, int]]:
    """Entries of every log without a chain record (written past the application, or before the chain)."""
    chain = AuditLink.__table__
    missing: list[tuple[str, int]] = []
    for log, table in LOG_TABLES.items():
        sealed = select(chain.c.entry_id).where(chain.c.log == log, chain.c.entry_id == table.c.id).exists()
        ids = connection.scalars(select(table.c.id).where(~sealed).order_by(table.c.id))
        missing.extend((log, int(entry_id)) for entry_id in ids)
    return missing


def seal_all(connection: Connection) -> int:
    """Seal every entry without a chain record, log by log in id order (the migration does this once)."""
    return seal(connection, unsealed(connection))


# -- the application side: entries written through a session are sealed before it commits --------------------


@event.listens_for(Session, "after_flush")
def _note_new_entries(session: Session, _context: Any) -> None:
    pending: list[tuple[str, int]] = session.info.setdefault(_PENDING, [])
    for instance in session.new:
        name = getattr(instance, "__tablename__", None)
        if name in LOG_TABLES:
            pending.append((name, instance.id))


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    # A flush may add entries (admin changes are written after the flush that made them): flush until none.
    for _ in range(10):
        if not (session.new or session.dirty or session.deleted):
            break
        session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        seal(session.connection(), pending)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for instance in session.deleted:
        name = getattr(instance, "__tablename__", None)
        if name in PROTECTED_TABLES:
            raise AppendOnly(f"审计记录不能删除（{name} {getattr(instance, 'id', '')}）", details={"table": name})
    for instance in session.dirty:
        name = getattr(instance, "__tablename__", None)
        if name in PROTECTED_TABLES and session.is_modified(instance, include_collections=False):
            raise AppendOnly(f"审计记录不能修改（{name} {getattr(instance, 'id', '')}）", details={"table": name})


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, Update | Delete):
        name = getattr(statement.table, "name", None)
        if name in PROTECTED_TABLES:
            raise AppendOnly(f"审计记录只能追加，不能批量修改或删除（{name}）", details={"table": name})


# -- verification ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class FieldChange:
    """One field of an entry that differs from what was sealed."""

    field: str
    sealed: Any
    now: Any


@dataclass(slots=True)
class VerifyReport:
    """What ``verify`` found: entries checked, the head, and the first broken entry if any."""

    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    broken_seq: int | None = None
    broken_log: str | None = None
    broken_entry_id: int | None = None
    problem: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    unsealed: int = 0

    @property
    def ok(self) -> bool:
        """True when every entry matches its seal and every entry is sealed."""
        return self.problem is None

    def as_json(self) -> dict[str, Any]:
        """The report as the ``--json`` output prints it."""
        broken = None
        if self.problem is not None:
            broken = {
                "seq": self.broken_seq,
                "log": self.broken_log,
                "id": self.broken_entry_id,
                "problem": self.problem,
                "changes": [{"field": c.field, "sealed": c.sealed, "now": c.now} for c in self.changes],
            }
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "unsealed": self.unsealed,
            "broken": broken,
        }


def _links(connection: Connection, batch: int = 1000) -> Iterator[list[Any]]:
    chain, last = AuditLink.__table__, 0
    while True:
        rows = list(connection.execute(select(chain).where(chain.c.seq > last).order_by(chain.c.seq).limit(batch)))
        if not rows:
            return
        yield rows
        last = int(rows[-1].seq)


def _check(link: Any, expected_seq: int, prev: str, row: Any | None) -> tuple[str | None, list[FieldChange]]:
    if link.seq != expected_seq or link.prev_hash != prev:
        return f"第 {expected_seq} 条链记录缺失或被改动（链在此处断开）", []
    if row is None:
        return f"{link.log} {link.entry_id} 已被删除", []
    sealed = json.loads(link.payload)
    now = entry_fields(link.log, row)
    changes = [
        FieldChange(name, sealed.get(name), value)
        for name, value in now.items()
        if _canonical(value) != _canonical(sealed.get(name))
    ]
    if changes:
        names = "、".join(change.field for change in changes)
        return f"{link.log} {link.entry_id} 在封存后被改动（字段：{names}）", changes
    if entry_hash(seq=link.seq, log=link.log, payload=link.payload, prev_hash=prev) != link.entry_hash:
        return f"{link.log} {link.entry_id} 的链记录被改动（哈希不符）", []
    return None, []


def verify(connection: Connection) -> VerifyReport:
    """Walk the chain from the start; stop at the first broken entry and say what differs."""
    report = VerifyReport()
    prev, expected = GENESIS, 1
    for links in _links(connection):
        by_log: dict[str, list[int]] = {}
        for link in links:
            by_log.setdefault(link.log, []).append(int(link.entry_id))
        rows = {log: _rows(connection, log, ids) for log, ids in by_log.items() if log in LOG_TABLES}
        for link in links:
            row = rows.get(link.log, {}).get(int(link.entry_id))
            problem, changes = _check(link, expected, prev, row)
            if problem is not None:
                report.broken_seq, report.broken_log, report.broken_entry_id = link.seq, link.log, link.entry_id
                report.problem, report.changes = problem, changes
                return report
            report.entries, report.head_seq, report.head_hash = report.entries + 1, link.seq, link.entry_hash
            prev, expected = link.entry_hash, expected + 1
    missing = unsealed(connection)
    report.unsealed = len(missing)
    if missing:
        log, entry_id = missing[0]
        report.broken_log, report.broken_entry_id = log, entry_id
        report.problem = f"{log} {entry_id} 等 {len(missing)} 条记录没有封存（未经应用写入，或链记录被删除）"
    return report


def chain_length(connection: Connection) -> int:
    """How many entries the chain holds."""
    return int(connection.scalar(select(func.count()).select_from(AuditLink.__table__)) or 0)
