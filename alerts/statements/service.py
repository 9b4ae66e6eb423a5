"""The 口径库 and the check word lists: the only writer of their tables. Keyword-only, no web code."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.statements.models import CheckTerm, Statement, StatementDocument
from alerts.statements.schemas import TERM_LISTS, DocumentIn, StatementIn, StatementOut, StatementPatch, TermIn
from core.db import transaction_cache
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import User
from core.privacy import keep_unmasked
from core.timeutil import to_local, utcnow
from core.types import Role

DEFAULT_TERMS_FILE = Path(__file__).with_name("default_terms.yaml")
WRITERS = frozenset({Role.head, Role.admin})
TERM_ADMINS = frozenset({Role.admin})


def today() -> date:
    """Today in the office's zone: statements are valid by local day."""
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def _require(user: User, roles: frozenset[Role], what: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"只有{'科室负责人和管理员' if Role.head in roles else '管理员'}可以{what}")


# -- statements -----------------------------------------------------------------------------------------


def statement_out(statement: Statement, *, on: date | None = None) -> StatementOut:
    """A statement as the API shows it, marked expired when its validity ended before ``on`` (today)."""
    out = StatementOut.model_validate(statement)
    out.expired = statement.expired_on(on or today())
    return out


def list_statements(
    session: Session, *, category: str | None = None, valid_only: bool = False, on: date | None = None
) -> list[Statement]:
    """Statements, newest first; ``valid_only`` keeps those in force on ``on`` (today)."""
    query = select(Statement).options(selectinload(Statement.documents)).order_by(Statement.id.desc())
    if category:
        query = query.where(Statement.category == category)
    rows = list(session.scalars(query))
    if valid_only:
        day = on or today()
        rows = [row for row in rows if row.valid_on(day)]
    return rows


def get_statement(session: Session, *, statement_id: int) -> Statement:
    """One statement, or NotFound."""
    row = session.get(Statement, statement_id)
    if row is None:
        raise NotFound(f"口径 {statement_id} 不存在")
    return row


def _documents(items: list[DocumentIn]) -> list[StatementDocument]:
    return [StatementDocument(title=item.title, number=item.number, link=item.link) for item in items]


def create_statement(session: Session, *, actor: User, data: StatementIn) -> Statement:
    """Add an approved statement (heads and admin)."""
    _require(actor, WRITERS, "维护口径库")
    row = Statement(
        category=data.category.value,
        topic=data.topic,
        wording=data.wording,
        keywords=data.keywords,
        approved_by=data.approved_by,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        documents=_documents(data.documents),
    )
    session.add(row)
    session.flush()
    return row


def update_statement(session: Session, *, actor: User, statement_id: int, changes: StatementPatch) -> Statement:
    """Change a statement (heads and admin); the validity span is checked as a whole."""
    _require(actor, WRITERS, "维护口径库")
    row = get_statement(session, statement_id=statement_id)
    given = changes.model_dump(exclude_unset=True)
    for name in ("topic", "wording", "approved_by", "valid_from"):
        if name in given and given[name] is None:
            raise InvalidInput("不能为空", details={"field": name})
    if "category" in given and given["category"] is None:
        raise InvalidInput("类别不能为空", details={"field": "category"})
    valid_from = given.get("valid_from", row.valid_from)
    valid_until = given.get("valid_until", row.valid_until)
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput("有效期截止日不能早于起始日", details={"field": "valid_until"})
    for name in ("topic", "wording", "approved_by"):
        if name in given:
            # The form shows the stored text masked (a hotline number): what comes back untouched keeps the original.
            setattr(row, name, keep_unmasked(given[name].strip(), of=getattr(row, name)))
    if changes.category is not None:
        row.category = changes.category.value
    if changes.keywords is not None:
        row.keywords = changes.keywords
    row.valid_from, row.valid_until = valid_from, valid_until
    if changes.documents is not None:
        row.documents = _documents(changes.documents)
    row.updated_by_id = actor.id
    session.flush()
    return row


def known_documents(session: Session) -> list[tuple[str, str]]:
    """(title, number) of every policy document the 口径库 lists (what a response may cite unflagged)."""
    cache: dict[str, list[tuple[str, str]]] = transaction_cache(
        session, "statement-documents", depends_on=(StatementDocument, Statement)
    )
    if "all" not in cache:
        cache["all"] = [
            (title, number)
            for title, number in session.execute(select(StatementDocument.title, StatementDocument.number))
        ]
    return cache["all"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A statement in force that fits a case, and how well (0..1)."""

    statement: Statement
    score: float
    matched: list[str]


def _bigrams(text: str) -> Counter[str]:
    chars = "".join(ch for ch in text if not ch.isspace())
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b.get(gram, 0) for gram, count in a.items())
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def suggest(session: Session, *, category: str, text: str, on: date | None = None, limit: int = 3) -> list[Suggestion]:
    """The statements in force for ``category`` that best fit ``text`` (expired ones never)."""
    case = _bigrams(text)
    found = []
    for row in list_statements(session, category=category, valid_only=True, on=on):
        matched = [word for word in row.keywords or [] if word and word in text]
        topic = _cosine(_bigrams(row.topic), case)
        wording = _cosine(_bigrams(row.wording), case)
        keyword_part = min(1.0, len(matched) / 2)
        score = round(0.5 * keyword_part + 0.3 * topic + 0.2 * wording, 4)
        found.append(Suggestion(row, score, matched))
    found.sort(key=lambda s: (-s.score, -s.statement.id))
    return found[:limit]


# -- word lists -----------------------------------------------------------------------------------------


def load_default_terms(path: Path = DEFAULT_TERMS_FILE) -> dict[str, list[tuple[str, str]]]:
    """The shipped word lists: {list: [(term, suggestion)]}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lists: dict[str, list[tuple[str, str]]] = {}
    for name in TERM_LISTS:
        value = data.get(name) or []
        if isinstance(value, dict):
            lists[name] = [(str(term), str(suggestion)) for term, suggestion in value.items()]
        else:
            lists[name] = [(str(term), "") for term in value]
    return lists


def seed_terms(session: Session, *, path: Path = DEFAULT_TERMS_FILE) -> int:
    """Add the shipped word-list entries that are missing (idempotent); returns how many were added."""
    existing = {(row.list, row.term) for row in session.scalars(select(CheckTerm))}
    added = 0
    for name, entries in load_default_terms(path).items():
        for term, suggestion in entries:
            if (name, term) in existing:
                continue
            session.add(CheckTerm(list=name, term=term, suggestion=suggestion, builtin=True))
            existing.add((name, term))
            added += 1
    session.flush()
    return added


def list_terms(session: Session, *, list_name: str | None = None) -> list[CheckTerm]:
    """Word-list entries, by list and term."""
    query = select(CheckTerm).order_by(CheckTerm.list, CheckTerm.term)
    if list_name:
        query = query.where(CheckTerm.list == list_name)
    return list(session.scalars(query))


def active_terms(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The enabled entries of every list, {list: [(term, suggestion)]}, read once per transaction."""
    cache: dict[str, dict[str, list[tuple[str, str]]]] = transaction_cache(
        session, "check-terms", depends_on=(CheckTerm,)
    )
    if "all" not in cache:
        lists: dict[str, list[tuple[str, str]]] = {name: [] for name in TERM_LISTS}
        rows = session.execute(
            select(CheckTerm.list, CheckTerm.term, CheckTerm.suggestion).where(CheckTerm.enabled.is_(True))
        )
        for name, term, suggestion in rows:
            lists.setdefault(name, []).append((term, suggestion))
        cache["all"] = lists
    return cache["all"]


def add_term(session: Session, *, actor: User, data: TermIn) -> CheckTerm:
    """Add a word-list entry (admin); a misused word needs its right form."""
    _require(actor, TERM_ADMINS, "维护审核词表")
    if not data.term:
        raise InvalidInput("词语不能为空", details={"field": "term"})
    if data.list == "misused" and (not data.suggestion or data.suggestion == data.term):
        raise InvalidInput("错别字须填写与原词不同的正确写法", details={"field": "suggestion"})
    clash = session.scalar(select(CheckTerm).where(CheckTerm.list == data.list, CheckTerm.term == data.term))
    if clash is not None:
        raise Conflict(f"「{data.term}」已在该词表中", details={"field": "term", "id": clash.id})
    row = CheckTerm(list=data.list, term=data.term, suggestion=data.suggestion, note=data.note.strip())
    session.add(row)
    session.flush()
    return row


def update_term(session: Session, *, actor: User, term_id: int, changes: dict[str, Any]) -> CheckTerm:
    """Change a word-list entry's suggestion, note or whether it is used (admin)."""
    _require(actor, TERM_ADMINS, "维护审核词表")
    row = session.get(CheckTerm, term_id)
    if row is None:
        raise NotFound(f"词条 {term_id} 不存在")
    if changes.get("suggestion") is not None:
        suggestion = str(changes["suggestion"]).strip()
        if row.list == "misused" and (not suggestion or suggestion == row.term):
            raise InvalidInput("错别字须填写与原词不同的正确写法", details={"field": "suggestion"})
        row.suggestion = suggestion
    if changes.get("note") is not None:
        row.note = str(changes["note"]).strip()
    if changes.get("enabled") is not None:
        row.enabled = bool(changes["enabled"])
    session.flush()
    return row


def delete_term(session: Session, *, actor: User, term_id: int) -> None:
    """Remove an entry the admin added; shipped entries can only be switched off."""
    _require(actor, TERM_ADMINS, "维护审核词表")
    row = session.get(CheckTerm, term_id)
    if row is None:
        raise NotFound(f"词条 {term_id} 不存在")
    if row.builtin:
        raise Conflict("系统默认词条不能删除，可以停用", details={"field": "enabled"})
    session.delete(row)
    session.flush()
