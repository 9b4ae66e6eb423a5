"""Storing many posts with a handful of statements: the rules of ``store_post``, applied in order.

Each post is judged as if the ones before it in the same call were already stored: a known post (same URL,
alias URL, or id on its source) is refreshed; a repost of a stored text (``dedupe.best_match``) is linked to
it; anything else is created and queued for analysis. Reads are batched up front (what the URLs, ids and
signatures already name), writes at the end (posts, signatures, links, refreshes, evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from core.db import storable, unstorable
from core.models import Post, PostLink, PostSignature
from core.outbox import add_events
from core.posts.dedupe import (
    Candidate,
    best_match,
    signature_bands,
    stored_by_external_id,
    stored_by_url,
    stored_candidates,
    text_signature,
)
from core.posts.evidence import EvidenceIn, keep_snapshots, latest_digests
from core.timeutil import utcnow
from core.urls import canonical_url

ANALYZE_TOPIC = "nlp.analyze_post"
ENGAGEMENT = ("reads", "likes", "comments", "reposts")
Outcome = Literal["created", "known", "linked", "invalid"]


@dataclass(slots=True)
class PostIn:
    """One post to store."""

    url: str | None
    title: str
    content: str
    source_id: int | None = None
    author: str | None = None
    published_at: datetime | None = None
    external_id: str | None = None
    engagement: dict[str, int | None] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    evidence: EvidenceIn | None = None
    keep_fragment: bool = False
    # More evidence of the same page (a screenshot from the browser that rendered it), kept with a new post.
    attachments: list[EvidenceIn] = field(default_factory=list)
    # False: always a new post (a case entered by hand is its own record, even when its text matches one stored).
    dedupe: bool = True


class _New:
    """A post created by this call; its id is known once the rows are inserted."""

    __slots__ = ("id",)

    def __init__(self) -> None:
        self.id: int | None = None


Ref = int | _New


def _id(ref: Ref) -> int:
    if isinstance(ref, _New):
        assert ref.id is not None
        return ref.id
    return ref


@dataclass(slots=True)
class _Incoming:
    """A post as judged: text stripped, URL canonical, its key on its source."""

    post: PostIn
    title: str
    content: str
    url: str | None
    key: tuple[int, str] | None

    @classmethod
    def of(cls, post: PostIn) -> _Incoming:
        if any(unstorable(value) for value in (post.extra, post.external_id, post.url)):
            # The caller's post is left as it was given.
            post = replace(
                post, extra=storable(post.extra), external_id=storable(post.external_id) or None, url=storable(post.url)
            )
        url = canonical_url(post.url, keep_fragment=post.keep_fragment) if post.url else None
        key = (post.source_id, post.external_id) if post.source_id is not None and post.external_id else None
        return cls(post, _text(post.title), _text(post.content), url, key)


def _text(value: str | None) -> str:
    # A NUL or half an emoji in one crawled page would fail the whole batch on the database: drop or replace it.
    return storable(value or "").strip()


@dataclass(slots=True)
class _Plan:
    """What the call will write, built post by post as if each earlier one were already stored."""

    now: datetime
    by_url: dict[str, Ref]
    by_key: dict[tuple[int, str], Ref]
    candidates: list[Candidate]
    latest: dict[Ref, str]
    new_rows: list[tuple[_New, dict[str, Any]]] = field(default_factory=list)
    refreshed: dict[Ref, dict[str, Any]] = field(default_factory=dict)
    links: list[tuple[Ref, dict[str, Any]]] = field(default_factory=list)
    snapshots: list[tuple[Ref, EvidenceIn]] = field(default_factory=list)
    outcomes: list[tuple[Outcome, Ref | None]] = field(default_factory=list)

    def judge(self, item: _Incoming) -> None:
        """Decide what storing ``item`` does, after everything planned before it."""
        if not (item.title or item.content):
            self.outcomes.append(("invalid", None))
            return
        if not item.post.dedupe:
            self._create(item, text_signature(item.title, item.content))
            return
        known = self.by_url.get(item.url) if item.url else None
        found_by_url = known is not None
        if known is None and item.key is not None:
            known = self.by_key.get(item.key)
        if known is not None:
            self._refresh(known, item, found_by_url=found_by_url)
            return
        signature = text_signature(item.title, item.content)
        if signature is not None:
            match = best_match(
                self.candidates,
                signature=signature,
                title=item.title,
                source_id=item.post.source_id,
                external_id=item.post.external_id,
            )
            if match is not None:
                self._link(match[0].ref, item, distance=match[1])  # type: ignore[arg-type]
                return
        self._create(item, signature)

    def _keep(self, ref: Ref, evidence: EvidenceIn) -> None:
        self.snapshots.append((ref, evidence))
        self.latest[ref] = evidence.sha256

    def _link_row(self, ref: Ref, item: _Incoming, *, kind: str, distance: int | None) -> None:
        row = {
            "url": item.url,
            "source_id": item.post.source_id,
            "kind": kind,
            "external_id": item.post.external_id,
            "title": item.title,
            "distance": distance,
            "created_at": self.now,
        }
        self.links.append((ref, row))
        if item.url:
            self.by_url[item.url] = ref

    def _refresh(self, ref: Ref, item: _Incoming, *, found_by_url: bool) -> None:
        values = self.refreshed.setdefault(ref, {"last_seen_at": self.now})
        values.update({k: v for k, v in item.post.engagement.items() if k in ENGAGEMENT and v is not None})
        if item.url and not found_by_url:
            self._link_row(ref, item, kind="alias", distance=None)
        evidence = item.post.evidence
        if evidence is not None and evidence.role == "page" and self.latest.get(ref) != evidence.sha256:
            self._keep(ref, evidence)
        self.outcomes.append(("known", ref))

    def _link(self, ref: Ref, item: _Incoming, *, distance: int) -> None:
        self._link_row(ref, item, kind="near_duplicate", distance=distance)
        if item.post.evidence is not None:
            self._keep(ref, item.post.evidence.as_duplicate())
        self.outcomes.append(("linked", ref))

    def _create(self, item: _Incoming, signature: int | None) -> None:
        new = _New()
        post = item.post
        evidence = post.evidence
        self.new_rows.append(
            (
                new,
                {
                    "source_id": post.source_id,
                    "url": item.url,
                    "external_id": post.external_id,
                    "title": item.title,
                    "content": item.content,
                    "author": _text(post.author)[:200] or None,
                    "published_at": post.published_at,
                    "fetched_at": evidence.fetched_at if evidence and evidence.fetched_at else self.now,
                    "last_seen_at": self.now,
                    "extra": post.extra or {},
                    "simhash": signature,
                    "created_at": self.now,
                    "updated_at": self.now,
                    **{key: post.engagement.get(key) for key in ENGAGEMENT},
                },
            )
        )
        if item.url:
            self.by_url[item.url] = new
        if item.key is not None:
            self.by_key[item.key] = new
        if signature is not None:
            self.candidates.append(Candidate(new, signature, item.title, post.source_id, post.external_id))
        if evidence is not None:
            self._keep(new, evidence)
        for attachment in post.attachments:
            self._keep(new, attachment)
        self.outcomes.append(("created", new))


def _plan(session: Session, items: list[_Incoming], now: datetime) -> _Plan:
    """Read once what the incoming posts may already be, then judge each in order."""
    valid = [item for item in items if item.title or item.content]
    by_url: dict[str, Ref] = dict(stored_by_url(session, urls=[i.url for i in valid if i.url]))
    by_key: dict[tuple[int, str], Ref] = dict(
        stored_by_external_id(session, keys=[i.key for i in valid if i.key is not None])
    )
    signatures = [text_signature(i.title, i.content) for i in valid]
    candidates = stored_candidates(session, signatures=[s for s in signatures if s is not None])
    stored_ids = [ref for ref in (*by_url.values(), *by_key.values()) if isinstance(ref, int)]
    latest: dict[Ref, str] = {
        post_id: digest for post_id, digest in latest_digests(session, post_ids=stored_ids).items()
    }
    plan = _Plan(now=now, by_url=by_url, by_key=by_key, candidates=candidates, latest=latest)
    for item in items:
        plan.judge(item)
    return plan


def _insert_new(session: Session, plan: _Plan) -> list[int]:
    """Insert the new posts (with later refreshes of them folded in), their signatures and analysis jobs."""
    if not plan.new_rows:
        return []
    rows = [{**row, **plan.refreshed.pop(new, {})} for new, row in plan.new_rows]
    returning = insert(Post).returning(Post.id, sort_by_parameter_order=True)
    ids = list(session.connection().execute(returning, rows).scalars())
    for (new, _row), post_id in zip(plan.new_rows, ids, strict=True):
        new.id = post_id
    signature_rows = [
        {"post_id": post_id, "band": band, "value": value}
        for post_id, row in zip(ids, rows, strict=True)
        if row["simhash"] is not None
        for band, value in enumerate(signature_bands(row["simhash"]))
    ]
    if signature_rows:
        session.connection().execute(insert(PostSignature), signature_rows)
    add_events(session, topic=ANALYZE_TOPIC, payloads=[{"post_id": post_id} for post_id in ids])
    # Core inserts bypass the unit of work that feeds the search outbox: record the new posts here.
    from core.search.changes import mark_changed

    mark_changed(session, post_ids=ids)
    return ids


def _write(session: Session, plan: _Plan) -> None:
    _insert_new(session, plan)
    if plan.links:
        session.connection().execute(insert(PostLink), [{"post_id": _id(ref), **row} for ref, row in plan.links])
    for ref, values in plan.refreshed.items():
        session.execute(update(Post).where(Post.id == _id(ref)).values(values))
    keep_snapshots(session, [(_id(ref), evidence) for ref, evidence in plan.snapshots], now=plan.now)


def store_many(session: Session, *, posts: list[PostIn]) -> list[tuple[str, int | None]]:
    """Store ``posts`` in order; (outcome, post id) for each: created, known, linked, or invalid (no text)."""
    session.flush()  # what the session holds unwritten must be there for the reads below
    plan = _plan(session, [_Incoming.of(post) for post in posts], utcnow())
    _write(session, plan)
    return [(outcome, _id(ref) if ref is not None else None) for outcome, ref in plan.outcomes]
