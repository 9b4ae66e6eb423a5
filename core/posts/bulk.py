"""Storing posts once: canonical URLs, ids on the site, near-duplicate signatures, and evidence (存证).

A post reached again (same canonical URL, an alias URL, or the same id on the same source) is not stored
again: its engagement counts are refreshed and a changed page gets a new snapshot. A repost of a stored
post's text elsewhere (SimHash within a few bits) is linked to it instead of becoming a second post.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.fingerprint import as_signed, hamming, normalise, simhash_normalised
from core.models import OutboxEvent, Post, PostLink, PostSignature, PostSnapshot, RawPage
from core.outbox import PENDING_FLAG, add_event
from core.timeutil import utcnow
from core.urls import canonical_url

ANALYZE_TOPIC = "nlp.analyze_post"
ENGAGEMENT = ("reads", "likes", "comments", "reposts")
# Texts shorter than this (after normalising) are too short for a signature to tell posts apart.
MIN_SIGNATURE_CHARS = 40
MAX_DISTANCE = 3


@dataclass(frozen=True, slots=True)
class EvidenceIn:
    """Raw bytes of a page (or pasted text) to keep as a post's evidence."""

    body: bytes
    url: str | None = None
    fetched_at: datetime | None = None
    status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    role: str = "page"


@dataclass(frozen=True, slots=True)
class StoredPost:
    """Result of storing a post: the row and what happened (created, known, linked)."""

    post: Post
    outcome: Literal["created", "known", "linked"]

    @property
    def created(self) -> bool:
        """True when a new post was stored."""
        return self.outcome == "created"


def signature_bands(value: int) -> list[int]:
    """The four 16-bit bands of a 64-bit signature."""
    unsigned = value & ((1 << 64) - 1)
    return [(unsigned >> (16 * band)) & 0xFFFF for band in range(4)]


def text_signature(title: str, content: str) -> int | None:
    """The SimHash of the text (reposts change titles, so the title counts only when the text is short)."""
    chars = normalise(content)
    if len(chars) < MIN_SIGNATURE_CHARS:
        chars = normalise(title) + chars
    return as_signed(simhash_normalised(chars)) if len(chars) >= MIN_SIGNATURE_CHARS else None


def keep_evidence(session: Session, *, post: Post, evidence: EvidenceIn) -> PostSnapshot:
    """Store the raw bytes once per SHA-256 and link a snapshot of them to ``post``."""
    digest = hashlib.sha256(evidence.body).hexdigest()
    if session.get(RawPage, digest) is None:
        session.add(
            RawPage(sha256=digest, size=len(evidence.body), compression="zlib", body=zlib.compress(evidence.body, 6))
        )
    snapshot = PostSnapshot(
        post=post,
        url=evidence.url,
        role=evidence.role,
        fetched_at=evidence.fetched_at or utcnow(),
        status=evidence.status,
        content_type=(evidence.content_type or "")[:200] or None,
        encoding=evidence.encoding,
        sha256=digest,
    )
    session.add(snapshot)
    return snapshot


def raw_body(raw: RawPage) -> bytes:
    """The original bytes of a stored page."""
    return zlib.decompress(raw.body) if raw.compression == "zlib" else raw.body


def _find_known(
    session: Session, *, url: str | None, source_id: int | None, external_id: str | None
) -> tuple[Post | None, bool]:
    """The stored post with this id on this source, URL or alias URL; and whether it was found by URL."""
    if url is not None:
        post = session.scalar(select(Post).where(Post.url == url))
        if post is not None:
            return post, True
        link = session.scalar(select(PostLink).where(PostLink.url == url))
        if link is not None:
            return link.post, True
    if source_id is not None and external_id is not None:
        post = session.scalar(select(Post).where(Post.source_id == source_id, Post.external_id == external_id))
        if post is not None:
            return post, False
    return None, False


def _near_duplicate(
    session: Session, *, signature: int, title: str, source_id: int | None, external_id: str | None
) -> tuple[Post, int] | None:
    """A stored post whose text is within a few bits of ``signature``.

    Within one source two posts must also share their title and not carry different ids: boards are full
    of templated posts that differ in one place name, and those are different posts.
    """
    bands = signature_bands(signature)
    clause = or_(*(and_(PostSignature.band == band, PostSignature.value == value) for band, value in enumerate(bands)))
    candidates = session.scalars(
        select(Post).join(PostSignature, PostSignature.post_id == Post.id).where(clause).distinct().limit(50)
    )
    best: tuple[Post, int] | None = None
    for candidate in candidates:
        if candidate.simhash is None:
            continue
        distance = hamming(candidate.simhash, signature)
        if distance > MAX_DISTANCE:
            continue
        if source_id is not None and candidate.source_id == source_id:
            if normalise(candidate.title) != normalise(title):
                continue
            if external_id and candidate.external_id and external_id != candidate.external_id:
                continue
        if best is None or distance < best[1]:
            best = (candidate, distance)
    return best


def store_post(
    session: Session,
    *,
    url: str | None,
    title: str,
    content: str,
    source_id: int | None = None,
    author: str | None = None,
    published_at: datetime | None = None,
    external_id: str | None = None,
    engagement: dict[str, int | None] | None = None,
    extra: dict[str, Any] | None = None,
    evidence: EvidenceIn | None = None,
    keep_fragment: bool = False,
) -> StoredPost:
    """Store a post once and queue its analysis; a known or reposted post is refreshed or linked instead."""
    title, content = title.strip(), content.strip()
    if not (title or content):
        raise InvalidInput("帖子标题和正文都为空", details={"field": "content"})
    engagement = engagement or {}
    canonical = canonical_url(url, keep_fragment=keep_fragment) if url else None
    now = utcnow()
    known, by_url = _find_known(session, url=canonical, source_id=source_id, external_id=external_id)
    if known is not None:
        for key in ENGAGEMENT:
            if engagement.get(key) is not None:
                setattr(known, key, engagement[key])
        known.last_seen_at = now
        if canonical and not by_url and canonical != known.url:
            session.add(
                PostLink(
                    post=known, url=canonical, source_id=source_id, kind="alias", external_id=external_id, title=title
                )
            )
        if evidence is not None and evidence.role == "page":
            latest = known.snapshots[-1].sha256 if known.snapshots else None
            if latest != hashlib.sha256(evidence.body).hexdigest():
                keep_evidence(session, post=known, evidence=evidence)
        return StoredPost(known, "known")
    signature = text_signature(title, content)
    if signature is not None:
        found = _near_duplicate(session, signature=signature, title=title, source_id=source_id, external_id=external_id)
        if found is not None:
            original, distance = found
            session.add(
                PostLink(
                    post=original,
                    url=canonical,
                    source_id=source_id,
                    kind="near_duplicate",
                    external_id=external_id,
                    title=title,
                    distance=distance,
                )
            )
            if evidence is not None:
                keep_evidence(session, post=original, evidence=EvidenceIn(**{**_fields(evidence), "role": "duplicate"}))
            return StoredPost(original, "linked")
    post = Post(
        source_id=source_id,
        url=canonical,
        title=title,
        content=content,
        author=(author or "").strip()[:200] or None,
        published_at=published_at,
        external_id=external_id,
        fetched_at=evidence.fetched_at if evidence and evidence.fetched_at else now,
        last_seen_at=now,
        extra=extra or {},
        simhash=signature,
        **{key: engagement.get(key) for key in ENGAGEMENT},
    )
    session.add(post)
    session.flush()
    if signature is not None:
        session.add_all(
            PostSignature(post_id=post.id, band=band, value=value)
            for band, value in enumerate(signature_bands(signature))
        )
    if evidence is not None:
        keep_evidence(session, post=post, evidence=evidence)
    add_event(session, topic=ANALYZE_TOPIC, payload={"post_id": post.id})
    return StoredPost(post, "created")


def _fields(evidence: EvidenceIn) -> dict[str, Any]:
    return {name: getattr(evidence, name) for name in EvidenceIn.__dataclass_fields__}


def mark_deleted(session: Session, *, post_id: int, noticed_at: datetime, why: str) -> Post:
    """Mark a post 原帖已删除 with the time a re-crawl noticed it (kept, never removed)."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"帖子 {post_id} 不存在")
    if post.deleted_at is None:
        post.deleted_at = noticed_at
        post.extra = {**post.extra, "deleted_reason": why}
    return post


@dataclass(slots=True)
class PostIn:
    """One post to store with ``store_many``."""

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


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def store_many(session: Session, *, posts: list[PostIn]) -> list[tuple[str, int | None]]:
    """Store many posts with a handful of statements; (outcome, post id) per input, in order.

    Same rules as ``store_post`` (known → refreshed, repost → linked, else created), including posts earlier
    in the same list. Outcome "invalid" means neither title nor text.
    """
    now = utcnow()
    prepared = []
    for post in posts:
        title, content = post.title.strip(), post.content.strip()
        url = canonical_url(post.url, keep_fragment=post.keep_fragment) if post.url else None
        prepared.append((post, title, content, url))
    urls = sorted({url for _, _, _, url in prepared if url})
    by_url: dict[str, int] = {}
    for chunk in _chunks(urls):
        by_url.update(
            {
                url: post_id
                for post_id, url in session.execute(select(Post.id, Post.url).where(Post.url.in_(chunk)))
                if url is not None
            }
        )
        by_url.update(
            {
                url: post_id
                for post_id, url in session.execute(
                    select(PostLink.post_id, PostLink.url).where(PostLink.url.in_(chunk))
                )
                if url is not None and url not in by_url
            }
        )
    by_external: dict[tuple[int, str], int] = {}
    wanted: dict[int, set[str]] = {}
    for post, *_ in prepared:
        if post.source_id is not None and post.external_id is not None:
            wanted.setdefault(post.source_id, set()).add(post.external_id)
    for source_id, ids in wanted.items():
        for chunk in _chunks(sorted(ids)):
            rows = session.execute(
                select(Post.id, Post.external_id).where(Post.source_id == source_id, Post.external_id.in_(chunk))
            )
            by_external.update(
                {(source_id, external_id): post_id for post_id, external_id in rows if external_id is not None}
            )

    outcomes: list[tuple[str, int | None]] = [("invalid", None)] * len(prepared)
    known_updates: dict[int, dict[str, Any]] = {}
    known_pages: dict[int, EvidenceIn] = {}
    new_links: list[dict[str, Any]] = []
    linked_urls: set[str] = set(by_url)
    # New posts of this call: index into `prepared`, signature; matched by later entries of the same call.
    fresh: list[int] = []
    fresh_by_url: dict[str, int] = {}
    fresh_by_external: dict[tuple[int, str], int] = {}
    signatures: dict[int, int | None] = {}
    for index, (post, title, content, url) in enumerate(prepared):
        if not (title or content):
            continue
        key: tuple[int, str] | None = (
            (post.source_id, post.external_id) if post.source_id is not None and post.external_id else None
        )
        known_id = by_url.get(url) if url else None
        found_by_url = known_id is not None
        if known_id is None and key is not None:
            known_id = by_external.get(key)
        if known_id is not None:
            update_row = known_updates.setdefault(known_id, {"id": known_id, "last_seen_at": now})
            update_row.update({k: v for k, v in post.engagement.items() if k in ENGAGEMENT and v is not None})
            if url and not found_by_url and url not in linked_urls:
                linked_urls.add(url)
                new_links.append(_link_row(known_id, url, post, title, "alias", None, now))
            if post.evidence is not None and post.evidence.role == "page":
                known_pages[known_id] = post.evidence
            outcomes[index] = ("known", known_id)
            continue
        earlier = fresh_by_url.get(url) if url else None
        if earlier is None and key is not None:
            earlier = fresh_by_external.get(key)  # index 0 is an earlier entry too, hence no `or` here
        if earlier is not None:
            outcomes[index] = ("known", -1 - earlier)  # resolved to the earlier entry's id after insert
            continue
        signatures[index] = text_signature(title, content)
        fresh.append(index)
        if url:
            fresh_by_url[url] = index
        if key is not None:
            fresh_by_external[key] = index

    # Near duplicates among stored posts (one query per band) and among this call's earlier posts.
    band_values: list[set[int]] = [set(), set(), set(), set()]
    for index in fresh:
        signature = signatures[index]
        if signature is not None:
            for band, value in enumerate(signature_bands(signature)):
                band_values[band].add(value)
    candidate_ids: set[int] = set()
    for band, values in enumerate(band_values):
        for chunk in _chunks(sorted(values)):
            candidate_ids.update(
                session.scalars(
                    select(PostSignature.post_id).where(PostSignature.band == band, PostSignature.value.in_(chunk))
                )
            )
    candidates: list[tuple[int, int, str, int | None, str | None]] = []
    for chunk in _chunks(sorted(candidate_ids)):
        candidates += [
            (row.id, row.simhash, row.title, row.source_id, row.external_id)
            for row in session.execute(
                select(Post.id, Post.simhash, Post.title, Post.source_id, Post.external_id).where(Post.id.in_(chunk))
            )
            if row.simhash is not None
        ]
    creating: list[int] = []
    duplicate_of: dict[int, tuple[int, int, bool]] = {}  # index -> (post id or -1-index, distance, stored)
    for index in fresh:
        post, title, _content, url = prepared[index]
        signature = signatures[index]
        match = None
        if signature is not None:
            pool: list[tuple[int, int, str, int | None, str | None, bool]] = [
                (pid, sig, ttl, src, ext, True) for pid, sig, ttl, src, ext in candidates
            ]
            pool += [
                (
                    -1 - other,
                    cast(int, signatures[other]),
                    prepared[other][1],
                    prepared[other][0].source_id,
                    prepared[other][0].external_id,
                    False,
                )
                for other in creating
                if signatures[other] is not None and other not in duplicate_of
            ]
            match = _best_match(pool, signature=signature, title=title, post=post)
        if match is None:
            creating.append(index)
        else:
            duplicate_of[index] = match

    inserted: dict[int, int] = {}
    if creating:
        post_rows = []
        for index in creating:
            post, title, content, url = prepared[index]
            post_rows.append(
                {
                    "source_id": post.source_id,
                    "url": url,
                    "external_id": post.external_id,
                    "title": title,
                    "content": content,
                    "author": (post.author or "").strip()[:200] or None,
                    "published_at": post.published_at,
                    "fetched_at": post.evidence.fetched_at if post.evidence and post.evidence.fetched_at else now,
                    "last_seen_at": now,
                    "extra": post.extra or {},
                    "simhash": signatures[index],
                    "created_at": now,
                    "updated_at": now,
                    **{key: post.engagement.get(key) for key in ENGAGEMENT},
                }
            )
        # Core statements on the session's connection: the ORM's per-row bookkeeping is not needed here.
        connection = session.connection()
        post_table = _table(Post)
        returning = insert(post_table).returning(post_table.c.id, sort_by_parameter_order=True)
        new_ids = connection.execute(returning, post_rows).scalars().all()
        inserted = dict(zip(creating, new_ids, strict=True))
        for index, post_id in inserted.items():
            outcomes[index] = ("created", post_id)
        signature_rows = [
            {"post_id": inserted[index], "band": band, "value": value}
            for index in creating
            if signatures[index] is not None
            for band, value in enumerate(signature_bands(signatures[index]))  # type: ignore[arg-type]
        ]
        if signature_rows:
            connection.execute(insert(_table(PostSignature)), signature_rows)
        connection.execute(
            insert(_table(OutboxEvent)),
            [
                {"topic": ANALYZE_TOPIC, "payload": {"post_id": inserted[index]}, "created_at": now, "attempts": 0}
                for index in creating
            ],
        )
        session.info[PENDING_FLAG] = True
        # Core inserts bypass the unit of work that feeds the search outbox: record the new posts here.
        from core.search.changes import mark_changed

        mark_changed(session, post_ids=new_ids)

    def resolve(reference: int) -> int:
        return reference if reference >= 0 else inserted[-1 - reference]

    snapshots: list[tuple[int, EvidenceIn]] = []
    for index, (reference, distance, _stored) in duplicate_of.items():
        post, title, _content, url = prepared[index]
        original = resolve(reference)
        outcomes[index] = ("linked", original)
        link_url: str | None = url
        if link_url and link_url in linked_urls:
            link_url = None  # the URL already names a stored post or link
        if link_url:
            linked_urls.add(link_url)
        new_links.append(_link_row(original, link_url, post, title, "near_duplicate", distance, now))
        if post.evidence is not None:
            snapshots.append((original, EvidenceIn(**{**_fields(post.evidence), "role": "duplicate"})))
    for index, (outcome, ref) in enumerate(outcomes):
        if outcome == "known" and ref is not None and ref < 0:
            outcomes[index] = ("known", resolve(ref))
    for index in creating:
        evidence = prepared[index][0].evidence
        if evidence is not None:
            snapshots.append((inserted[index], evidence))
    if known_pages:
        latest: dict[int, str] = {}
        for post_id, digest in session.execute(
            select(PostSnapshot.post_id, PostSnapshot.sha256)
            .where(PostSnapshot.post_id.in_(list(known_pages)))
            .order_by(PostSnapshot.id)
        ):
            latest[post_id] = digest
        for post_id, evidence in known_pages.items():
            if latest.get(post_id) != hashlib.sha256(evidence.body).hexdigest():
                snapshots.append((post_id, evidence))
    if new_links:
        session.connection().execute(insert(_table(PostLink)), new_links)
    if known_updates:
        for row in known_updates.values():
            session.execute(
                update(Post).where(Post.id == row["id"]).values({k: v for k, v in row.items() if k != "id"})
            )
    _insert_snapshots(session, snapshots, now=now)
    return outcomes


def _best_match(
    pool: list[tuple[int, int, str, int | None, str | None, bool]], *, signature: int, title: str, post: PostIn
) -> tuple[int, int, bool] | None:
    best = None
    for post_id, other, other_title, source_id, external_id, stored in pool:
        distance = hamming(other, signature)
        if distance > MAX_DISTANCE:
            continue
        if post.source_id is not None and source_id == post.source_id:
            if normalise(other_title) != normalise(title):
                continue
            if post.external_id and external_id and post.external_id != external_id:
                continue
        if best is None or distance < best[1]:
            best = (post_id, distance, stored)
    return best


def _link_row(
    post_id: int, url: str | None, post: PostIn, title: str, kind: str, distance: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "url": url,
        "source_id": post.source_id,
        "kind": kind,
        "external_id": post.external_id,
        "title": title,
        "distance": distance,
        "created_at": now,
    }


def _insert_snapshots(session: Session, snapshots: list[tuple[int, EvidenceIn]], *, now: datetime) -> None:
    if not snapshots:
        return
    digests = [hashlib.sha256(evidence.body).hexdigest() for _, evidence in snapshots]
    have: set[str] = set()
    for chunk in _chunks(sorted(set(digests))):
        have.update(session.scalars(select(RawPage.sha256).where(RawPage.sha256.in_(chunk))))
    pages = []
    for digest, (_, evidence) in zip(digests, snapshots, strict=True):
        if digest not in have:
            have.add(digest)
            pages.append(
                {
                    "sha256": digest,
                    "size": len(evidence.body),
                    "compression": "zlib",
                    "body": zlib.compress(evidence.body, 3),
                    "created_at": now,
                }
            )
    if pages:
        session.connection().execute(insert(_table(RawPage)), pages)
    session.connection().execute(
        insert(_table(PostSnapshot)),
        [
            {
                "post_id": post_id,
                "url": evidence.url,
                "role": evidence.role,
                "fetched_at": evidence.fetched_at or now,
                "status": evidence.status,
                "content_type": (evidence.content_type or "")[:200] or None,
                "encoding": evidence.encoding,
                "sha256": digest,
            }
            for digest, (post_id, evidence) in zip(digests, snapshots, strict=True)
        ],
    )
