"""Personal data by role: which posts and stored pages a user may see, and who may see a person's full data.

Everyone sees posts masked (``core.privacy``). Visibility:

- duty officers, leadership and admins see every post and its stored pages (存证);
- section staff and heads see only the posts of cases their section leads or co-handles (协办). A post that
  belongs to no case, or to another section's case — a hand-entered phone call, letter or 依申请公开
  request included — does not exist for them (404, left out of lists and search).

The full text (phone and ID numbers, names, house numbers) is shown only to those who must contact the
person: the duty officer, and the staff and head of the section that leads the post's case. They ask for it
(显示完整信息, ``POST /api/posts/{id}/reveal``) and each reveal is an event in the case's audit log (who,
when, which post). Leadership and admins, and co-handling sections, see the masked text only.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.models import Alert, AlertPost
from alerts.cases.service import get_alert, visible_alerts
from core.errors import NotFound, PermissionDenied
from core.models import Post, PostSnapshot, Source, User
from core.privacy import mask_text
from core.types import Role

SECTION_ROLES = (Role.staff, Role.head)
REVEAL_ACTION = "reveal"


def visible_posts(user: User) -> Select[Post]:
    """The posts ``user`` may see: all for duty, leadership and admins; their cases' posts for section roles."""
    query = select(Post)
    if user.role in SECTION_ROLES:
        cases = visible_alerts(user).with_only_columns(Alert.id)
        query = query.where(Post.id.in_(select(AlertPost.post_id).where(AlertPost.alert_id.in_(cases))))
    return query


def list_posts(
    session: Session,
    *,
    user: User,
    source: str | None = None,
    q: str | None = None,
    deleted: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Post], int]:
    """One page of the posts ``user`` may see, newest first, and their total.

    ``q`` matches the text as shown (masked): a full phone or ID number, or a name beside it, finds nothing.
    """
    query = visible_posts(user)
    if source:
        query = query.join(Source, Source.id == Post.source_id).where(Source.name == source)
    if deleted is not None:
        query = query.where(Post.deleted_at.is_not(None) if deleted else Post.deleted_at.is_(None))
    if not q:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        return list(session.scalars(query.order_by(Post.id.desc()).limit(limit).offset(offset))), total
    # The database holds the full text: it narrows the candidates, the masked text decides.
    # A masked query (138****8000) narrows by the parts between the stars.
    for part in filter(None, re.split(r"[*＊]+", q)):
        query = query.where(or_(Post.title.contains(part), Post.content.contains(part)))
    candidates = session.execute(query.with_only_columns(Post.id, Post.title, Post.content).order_by(Post.id.desc()))
    ids = [row.id for row in candidates if q in mask_text(row.title) or q in mask_text(row.content)]
    page = ids[offset : offset + limit]
    posts = {post.id: post for post in session.scalars(select(Post).where(Post.id.in_(page)))} if page else {}
    return [posts[post_id] for post_id in page], len(ids)


def get_visible_post(session: Session, *, user: User, post_id: int) -> Post:
    """The post if ``user`` may see it; otherwise NotFound (another section's post is not even named)."""
    post = session.scalar(visible_posts(user).where(Post.id == post_id))
    if post is None:
        raise NotFound(f"帖子 {post_id} 不存在或无权查看")
    return post


def get_visible_snapshot(session: Session, *, user: User, post_id: int, snapshot_id: int) -> PostSnapshot:
    """A stored page (存证) of a post ``user`` may see; otherwise NotFound."""
    get_visible_post(session, user=user, post_id=post_id)
    snapshot = session.get(PostSnapshot, snapshot_id)
    if snapshot is None or snapshot.post_id != post_id:
        raise NotFound(f"存证 {snapshot_id} 不存在")
    return snapshot


def searchable_cases(session: Session, *, user: User) -> tuple[int, ...] | None:
    """The cases whose posts ``user`` may find by search (None: every post, for duty, leadership, admins)."""
    if user.role not in SECTION_ROLES:
        return None
    return tuple(session.scalars(visible_alerts(user).with_only_columns(Alert.id).order_by(Alert.id)))


def case_of_post(session: Session, *, post_id: int) -> Alert | None:
    """The case a post belongs to, if any."""
    alert_id = session.scalar(select(AlertPost.alert_id).where(AlertPost.post_id == post_id))
    return session.get(Alert, alert_id) if alert_id is not None else None


def may_reveal(user: User, alert: Alert | None) -> bool:
    """True when ``user`` must contact the person of ``alert``: duty, or its lead section's staff and head."""
    if alert is None:
        return False
    if user.role == Role.duty:
        return True
    return user.role in SECTION_ROLES and user.section_id is not None and alert.section_id == user.section_id


def reveal_post(session: Session, *, user: User, post_id: int, where: str) -> tuple[Post, Alert]:
    """The post in full for someone who must contact the person, logged in its case's audit log; else refused."""
    post = get_visible_post(session, user=user, post_id=post_id)
    alert = case_of_post(session, post_id=post_id)
    if not may_reveal(user, alert):
        raise PermissionDenied("只有承办科室的经办人、负责人和值班员可以查看完整个人信息")
    assert alert is not None  # may_reveal is False without a case
    _log(session, user=user, alert=alert, post_ids=[post.id], where=where)
    return post, alert


def reveal_case(session: Session, *, user: User, alert_id: int, where: str) -> Alert:
    """A case shown in full (its posts and requester) to someone who must contact the person, logged; else refused."""
    alert = get_alert(session, user=user, alert_id=alert_id)
    if not may_reveal(user, alert):
        raise PermissionDenied("只有承办科室的经办人、负责人和值班员可以查看完整个人信息")
    _log(session, user=user, alert=alert, post_ids=[link.post_id for link in alert.links], where=where)
    return alert


def _log(session: Session, *, user: User, alert: Alert, post_ids: list[int], where: str) -> None:
    posts = "、".join(str(post_id) for post_id in post_ids) or "无"
    record_event(
        session,
        alert=alert,
        action=REVEAL_ACTION,
        actor=user,
        from_status=alert.status,
        to_status=alert.status,
        note=f"查看完整个人信息（帖子 {posts}）",
        data={"post_ids": post_ids, "where": where, "role": user.role},
        notify=False,
    )
