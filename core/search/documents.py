"""Building a post's search document from the SQL database, the system of record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from core.models import Post
from core.search import plugins
from core.search.base import PostDocument
from core.search.chars import char_tokens
from core.timeutil import local_zone

# Fields a plugin may set on a document (anything else it returns is a programming error).
PROVIDED_FIELDS = frozenset({"category", "severity", "sentiment", "section", "alert_id"})


def post_time(post: Post) -> datetime:
    """The time a post is searched and sorted by: published, else fetched, else stored."""
    return post.published_at or post.fetched_at or post.created_at or datetime.now(UTC)


def load_documents(session: Session, *, post_ids: Iterable[int]) -> dict[int, PostDocument]:
    """Documents (not yet tokenised) for the posts that exist among ``post_ids``."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    posts = session.scalars(
        select(Post)
        .where(Post.id.in_(ids))
        .options(joinedload(Post.source), selectinload(Post.analyses))
        .execution_options(populate_existing=True)
    ).unique()
    zone = local_zone()
    documents: dict[int, PostDocument] = {}
    for post in posts:
        analysis = post.analysis
        time = post_time(post)
        documents[post.id] = PostDocument(
            post_id=post.id,
            title=post.title,
            content=post.content,
            url=post.url,
            author=post.author,
            source=post.source.name if post.source else None,
            time=time,
            day=time.astimezone(zone).date().isoformat(),
            category=analysis.category if analysis else None,
            severity=analysis.severity if analysis else None,
            sentiment=analysis.sentiment if analysis else None,
            section=None,
            alert_id=None,
        )
    if documents:
        found = sorted(documents)
        for provider in plugins.field_providers():
            for post_id, values in provider(session, found).items():
                document = documents.get(post_id)
                if document is None:
                    continue
                unknown = set(values) - PROVIDED_FIELDS
                if unknown:
                    raise ValueError(f"search field provider {provider!r} set unknown fields {sorted(unknown)}")
                for name, value in values.items():
                    setattr(document, name, value)
    return documents


def tokenise(documents: Iterable[PostDocument]) -> None:
    """Fill in each document's token fields (space-separated jieba tokens and character tokens)."""
    for document in documents:
        document.title_tokens = " ".join(plugins.document_tokens(document.title))
        document.content_tokens = " ".join(plugins.document_tokens(document.content))
        document.title_chars = " ".join(char_tokens(document.title))
        document.content_chars = " ".join(char_tokens(document.content))
