"""Storing posts once: canonical URLs, ids on the site, near-duplicate signatures, and evidence (存证).

A post reached again (same canonical URL, an alias URL, or the same id on the same source) is not stored
again: its engagement counts are refreshed and a changed page gets a new snapshot. A repost of a stored
post's text elsewhere (SimHash within a few bits) is linked to it instead of becoming a second post.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.fingerprint import as_signed, hamming, normalise, simhash
from core.models import Post, PostLink, PostSignature, PostSnapshot, RawPage
from core.outbox import add_event
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
    text = f"{title}\n{content}"
    signature = as_signed(simhash(text)) if len(normalise(text)) >= MIN_SIGNATURE_CHARS else None
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
