"""Storing one post: ``store_many`` of that post, so one post and a crawl's batch follow the very same rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.models import Post
from core.posts.bulk import PostIn, store_many
from core.posts.evidence import EvidenceIn


@dataclass(frozen=True, slots=True)
class StoredPost:
    """Result of storing a post: the row and what happened (created, known, linked)."""

    post: Post
    outcome: Literal["created", "known", "linked"]

    @property
    def created(self) -> bool:
        """True when a new post was stored."""
        return self.outcome == "created"


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
    attachments: list[EvidenceIn] | None = None,
    dedupe: bool = True,
) -> StoredPost:
    """Store a post once and queue its analysis; a known or reposted post is refreshed or linked instead.

    ``dedupe=False`` always stores a new post (a case entered by hand is its own record, even when its text
    matches a post already stored).
    """
    incoming = PostIn(
        url=url,
        title=title,
        content=content,
        source_id=source_id,
        author=author,
        published_at=published_at,
        external_id=external_id,
        engagement=engagement or {},
        extra=extra or {},
        evidence=evidence,
        keep_fragment=keep_fragment,
        attachments=attachments or [],
        dedupe=dedupe,
    )
    [(outcome, post_id)] = store_many(session, posts=[incoming])
    if outcome == "invalid" or post_id is None:
        raise InvalidInput("帖子标题和正文都为空", details={"field": "content"})
    # The rows were written without the unit of work: a copy this session already holds is stale.
    held = session.identity_map.get(session.identity_key(Post, post_id))
    if held is not None:
        session.expire(held)
    post = session.get(Post, post_id)
    assert post is not None
    return StoredPost(post, cast(Literal["created", "known", "linked"], outcome))


def mark_deleted(session: Session, *, post_id: int, noticed_at: datetime, why: str) -> Post:
    """Mark a post 原帖已删除 with the time a re-crawl noticed it (kept, never removed)."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"帖子 {post_id} 不存在")
    if post.deleted_at is None:
        post.deleted_at = noticed_at
        post.extra = {**post.extra, "deleted_reason": why}
    return post
