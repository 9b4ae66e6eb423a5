"""Evidence (存证): the raw bytes of each fetched page, stored once per SHA-256, and the snapshots pointing at them.

One way to write them, for one post or many: ``keep_evidence`` is ``keep_snapshots`` of one.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.evidence_chain import note_written
from core.models import Post, PostSnapshot, RawPage
from core.timeutil import utcnow

# Level 3 compresses HTML about as well as 6 at a fraction of the time (the crawler stores thousands of pages).
ZLIB_LEVEL = 3
CHUNK = 500


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

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes, which names them in ``raw_page``."""
        return hashlib.sha256(self.body).hexdigest()

    def as_duplicate(self) -> EvidenceIn:
        """The same bytes kept on the post a repost was linked to."""
        return replace(self, role="duplicate")


def raw_body(raw: RawPage) -> bytes:
    """The original bytes of a stored page."""
    return zlib.decompress(raw.body) if raw.compression == "zlib" else raw.body


def chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``values`` in slices small enough for one ``IN (…)`` each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def latest_digests(session: Session, *, post_ids: list[int]) -> dict[int, str]:
    """The SHA-256 of each post's latest snapshot (whatever its role)."""
    latest: dict[int, str] = {}
    for chunk in chunks(sorted(set(post_ids))):
        rows = session.execute(
            select(PostSnapshot.post_id, PostSnapshot.sha256)
            .where(PostSnapshot.post_id.in_(chunk))
            .order_by(PostSnapshot.id)
        )
        latest.update({post_id: digest for post_id, digest in rows})
    return latest


def keep_snapshots(session: Session, snapshots: list[tuple[int, EvidenceIn]], *, now: datetime | None = None) -> None:
    """Store each page's bytes once per SHA-256 and a snapshot of them for each (post id, evidence), in order."""
    if not snapshots:
        return
    now = now or utcnow()
    digests = [evidence.sha256 for _, evidence in snapshots]
    have: set[str] = set()
    for chunk in chunks(sorted(set(digests))):
        have.update(session.scalars(select(RawPage.sha256).where(RawPage.sha256.in_(chunk))))
    pages = []
    for digest, (_, evidence) in zip(digests, snapshots, strict=True):
        if digest not in have:
            have.add(digest)
            body = zlib.compress(evidence.body, ZLIB_LEVEL)
            pages.append(
                {"sha256": digest, "size": len(evidence.body), "compression": "zlib", "body": body, "created_at": now}
            )
    connection = session.connection()
    if pages:
        connection.execute(insert(RawPage), pages)
    connection.execute(
        insert(PostSnapshot),
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
    # Written past the ORM: the evidence chain seals them before the transaction commits.
    note_written(session)


def keep_evidence(session: Session, *, post: Post, evidence: EvidenceIn) -> None:
    """Store the raw bytes once per SHA-256 and link a snapshot of them to ``post``."""
    session.flush()
    keep_snapshots(session, [(post.id, evidence)])
    session.expire(post, ["snapshots"])
