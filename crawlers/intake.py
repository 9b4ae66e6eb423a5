"""Manual intake: a post added by URL (fetched like any other page) or by pasting its text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.errors import InvalidInput
from core.models import Post, PostLink, Source
from core.posts import EvidenceIn, StoredPost, store_post
from core.service import ensure_source
from core.timeutil import local_zone, utcnow
from core.urlpolicy import check_url as policy_check
from core.urls import canonical_url
from crawlers.dates import parse_published
from crawlers.service import CrawlOutcome, crawl_source
from crawlers.sources import check_url
from crawlers.spiders.article import ArticleSource

URL_SOURCE = "manual-url"
TEXT_SOURCE = "manual"


@dataclass(frozen=True, slots=True)
class UrlIntake:
    """What adding a post by URL did."""

    url: str
    post_id: int | None
    created: bool
    crawl: CrawlOutcome


def _url_source(session: Session, url: str) -> Source:
    spec = ArticleSource(
        name=URL_SOURCE,
        kind="article",
        title="人工添加（网址）",
        start_urls=[url],
        relevance="all",
        stop_at_known=False,
        recheck_days=7,
    )
    source = ensure_source(
        session, name=URL_SOURCE, kind="article", config=spec.model_dump(mode="json"), title=spec.title
    )
    source.enabled = False  # crawled on request only, never on a schedule
    return source


def find_post_by_url(session: Session, *, url: str) -> Post | None:
    """The stored post whose URL (or alias URL) is ``url``."""
    canonical = canonical_url(url)
    post = session.scalar(select(Post).where(Post.url == canonical))
    if post is None:
        link = session.scalar(select(PostLink).where(PostLink.url == canonical))
        post = link.post if link is not None else None
    return post


def intake_url(*, url: str, scrapy_overrides: dict[str, Any] | None = None) -> UrlIntake:
    """Fetch ``url`` with the normal crawler (robots.txt, limits, evidence) and store it as a post."""
    try:
        url = check_url(url)
    except ValueError as exc:
        raise InvalidInput(str(exc), details={"field": "url"}) from exc
    # Refused here, before anything is fetched; the crawl checks every hop again (redirects).
    policy_check(url, field="url")
    with session_scope() as session:
        known = find_post_by_url(session, url=url)
        if known is not None:
            return UrlIntake(url, known.id, False, CrawlOutcome(0, "skipped", 0, {}, None))
        source_id = _url_source(session, url).id
    outcome = crawl_source(source_id=source_id, params={"urls": [url]}, scrapy_overrides=scrapy_overrides)
    with session_scope() as session:
        post = find_post_by_url(session, url=url)
        return UrlIntake(url, post.id if post else None, post is not None and outcome.stored > 0, outcome)


def intake_text(
    session: Session,
    *,
    title: str,
    content: str,
    url: str | None = None,
    author: str | None = None,
    published_at: str | datetime | None = None,
    submitted_by: str | None = None,
) -> StoredPost:
    """Store a pasted post; the pasted text itself is kept as its evidence."""
    if url:
        try:
            url = check_url(url)
        except ValueError as exc:
            raise InvalidInput(str(exc), details={"field": "url"}) from exc
    published: datetime | None
    if isinstance(published_at, str) and published_at.strip():
        published = parse_published(published_at, zone=local_zone(), now=utcnow())
        if published is None:
            raise InvalidInput(f"发布时间无法识别：{published_at}", details={"field": "published_at"})
    else:
        published = published_at if isinstance(published_at, datetime) else None
    source = ensure_source(
        session, name=TEXT_SOURCE, kind="manual", config={"name": TEXT_SOURCE, "kind": "manual"}, title="人工录入"
    )
    source.enabled = False
    pasted = {
        "title": title,
        "content": content,
        "url": url,
        "author": author,
        "published_at": published_at if isinstance(published_at, str) else None,
        "submitted_by": submitted_by,
    }
    return store_post(
        session,
        url=url,
        title=title,
        content=content,
        source_id=source.id,
        author=author,
        published_at=published,
        extra={"submitted_by": submitted_by} if submitted_by else {},
        evidence=EvidenceIn(
            body=json.dumps(pasted, ensure_ascii=False).encode(),
            url=url,
            fetched_at=utcnow(),
            content_type="application/json",
            encoding="utf-8",
            role="pasted",
        ),
    )
