"""Grouping repeat complaints: a new post on the same matter as an open alert joins it instead of opening one.

"Same matter" is the shared score of ``alerts.cases.similarity`` (same farm or place and category, or a
near-duplicate text), compared with the posts of alerts opened within the window. A case that grows —
``raise_at_posts`` posts, or reposts growing by ``repost_growth`` within ``repost_window_minutes`` — is
raised to ``raise_to`` (较大 by default). All of it is in the ``grouping`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from alerts.cases.audit import record_event
from alerts.cases.lifecycle import OPEN_STATUSES
from alerts.cases.models import Alert, AlertPost
from alerts.cases.service import get_setting
from alerts.cases.similarity import Matter, compare, matter_from_rows
from alerts.sla.deadlines import change_severity
from core.db import transaction_cache
from core.models import Analysis, Post
from core.timeutil import isoformat_local, utcnow
from core.types import SEVERITY_RANK

OPEN_VALUES = [status.value for status in OPEN_STATUSES]
POSTS_COMPARED = 5
CANDIDATES = 300


@dataclass(frozen=True, slots=True)
class GroupMatch:
    """The open alert a post belongs with, how sure we are and why."""

    alert: Alert
    score: float
    reasons: list[str]


def find_group(session: Session, *, post: Post, analysis: Analysis, now: datetime | None = None) -> GroupMatch | None:
    """The open alert on the same matter as ``post`` with the best score, if any reaches the threshold."""
    settings = get_setting(session, key="grouping")
    if not settings.get("enabled", True) or analysis.category in ("", "other"):
        return None
    now = now or utcnow()
    since = now - timedelta(hours=float(settings.get("window_hours", 168)))
    mine = matter_from_rows(post, analysis)
    threshold = float(settings.get("threshold", 0.6))
    best: GroupMatch | None = None
    for alert, matters in _candidates(session, category=analysis.category, since=since).values():
        # Checked again here: a case in the remembered candidates may have closed or moved meanwhile.
        if alert.status not in OPEN_VALUES or alert.category != analysis.category or alert.opened_at < since:
            continue
        for other in matters:
            match = compare(mine, other, threshold=threshold)
            if match.same and (best is None or match.score > best.score):
                best = GroupMatch(alert=alert, score=match.score, reasons=match.reasons)
    return best


def _candidates(session: Session, *, category: str, since: datetime) -> dict[int, tuple[Alert, list[Matter]]]:
    # The open cases of a category with the matters of their first posts, read once per transaction: a job
    # raising a burst of posts compares each with the same cases (``remember`` keeps the list current).
    cache = transaction_cache(session, "grouping-candidates")
    remembered = cache.get(category)
    if remembered is not None and remembered[0] <= since:
        return remembered[1]
    alerts = {
        alert.id: alert
        for alert in session.scalars(
            select(Alert)
            .where(
                Alert.status.in_(OPEN_VALUES),
                Alert.kind == "complaint",
                # Two sections would own two categories: even a near-duplicate of another category stays apart.
                Alert.category == category,
                Alert.opened_at >= since,
            )
            .order_by(Alert.id.desc())
            .limit(CANDIDATES)
        )
    }
    found: dict[int, tuple[Alert, list[Matter]]] = {alert_id: (alert, []) for alert_id, alert in alerts.items()}
    for alert_id, other_post in _first_posts(session, alert_ids=list(alerts)):
        found[alert_id][1].append(matter_from_rows(other_post, other_post.analysis))
    cache[category] = (since, found)
    return found


def remember(session: Session, *, alert: Alert, post: Post, analysis: Analysis | None) -> None:
    """Keep this transaction's remembered candidates current after ``post`` opened or joined ``alert``."""
    remembered = transaction_cache(session, "grouping-candidates").get(alert.category)
    if remembered is None or alert.kind != "complaint":
        return
    found = remembered[1]
    if alert.id not in found:
        found[alert.id] = (alert, [])
    matters = found[alert.id][1]
    if len(matters) < POSTS_COMPARED:
        matters.append(matter_from_rows(post, analysis))


def _first_posts(session: Session, *, alert_ids: list[int]) -> list[tuple[int, Post]]:
    """The first ``POSTS_COMPARED`` posts of each alert with their analyses (a hot case may hold hundreds)."""
    if not alert_ids:
        return []
    rank = (
        func.row_number()
        .over(partition_by=AlertPost.alert_id, order_by=(AlertPost.added_at, AlertPost.post_id))
        .label("rank")
    )
    firsts = select(AlertPost.alert_id, AlertPost.post_id, rank).where(AlertPost.alert_id.in_(alert_ids)).subquery()
    pairs = session.execute(
        select(firsts.c.alert_id, Post)
        .join(Post, Post.id == firsts.c.post_id)
        .where(firsts.c.rank <= POSTS_COMPARED)
        .options(selectinload(Post.analyses))
        .order_by(firsts.c.alert_id.desc(), firsts.c.rank)
    ).all()
    return [(alert_id, post) for alert_id, post in pairs]


def refresh_heat(session: Session, *, alert: Alert) -> tuple[int, int]:
    """Set how hot a case is (one per post plus its spread, reposts weighing most); returns posts and reposts.

    Counted by the database: a hot case may hold hundreds of posts.
    """
    session.flush()
    row = session.execute(
        select(
            func.count(Post.id),
            func.coalesce(
                func.sum(
                    1
                    + func.coalesce(Post.reposts, 0) / 10.0
                    + func.coalesce(Post.comments, 0) / 20.0
                    + func.coalesce(Post.likes, 0) / 100.0
                ),
                0.0,
            ),
            func.coalesce(func.sum(func.coalesce(Post.reposts, 0)), 0),
        )
        .join(AlertPost, AlertPost.post_id == Post.id)
        .where(AlertPost.alert_id == alert.id)
    ).one()
    alert.heat = round(float(row[1]), 2)
    return int(row[0]), int(row[2])


def join_group(session: Session, *, match: GroupMatch, post: Post, analysis: Analysis) -> Alert:
    """Add ``post`` to the matched alert, raise its heat and, when it has grown, its severity."""
    alert = match.alert
    now = utcnow()
    why = "；".join(match.reasons) or "同一事项"
    session.add(
        AlertPost(alert_id=alert.id, post=post, reason=f"同一事项：{why}", added_at=now, score=round(match.score, 3))
    )
    session.flush()
    remember(session, alert=alert, post=post, analysis=analysis)
    # Neither the links nor the count are loaded again here: a hot case holds many posts.
    session.expire(alert, ["post_count", "links"])
    counted = refresh_heat(session, alert=alert)
    count = counted[0]
    record_event(
        session,
        alert=alert,
        action="join",
        actor=None,
        from_status=alert.status,
        to_status=alert.status,
        note=f"新帖并入（相似度 {match.score:.2f}）：{why}",
        data={
            "post_id": post.id,
            "score": round(match.score, 3),
            "reasons": match.reasons,
            "post_count": count,
        },
        at=now,
    )
    if SEVERITY_RANK.get(analysis.severity, 0) > SEVERITY_RANK.get(alert.severity, 0):
        raise_severity(session, alert=alert, to=analysis.severity, why=f"新帖研判为「{analysis.severity}」")
    check_growth(session, alert=alert, now=now, counted=counted)
    return alert


def raise_severity(session: Session, *, alert: Alert, to: str, why: str) -> bool:
    """Raise (never lower) a case's severity by the system, recomputing its deadlines; True when it changed."""
    if alert.kind != "complaint" or SEVERITY_RANK.get(to, 0) <= SEVERITY_RANK.get(alert.severity, 0):
        return False
    data = change_severity(session, alert=alert, severity=to)
    record_event(
        session,
        alert=alert,
        action="set_severity",
        actor=None,
        from_status=alert.status,
        to_status=alert.status,
        note=f"{why}，自动调整为「{to}」",
        data=data,
    )
    return True


def _repost_history(alert: Alert, total: int, now: datetime, window: timedelta) -> list[list[Any]]:
    """The repost totals seen within the window, with ``total`` added when it changed (stored on the case)."""
    stored = list((alert.details or {}).get("reposts", []))
    older = [entry for entry in stored if datetime.fromisoformat(entry[0]) < now - window]
    # The last total before the window is the baseline growth is measured from.
    history = older[-1:] + [entry for entry in stored if datetime.fromisoformat(entry[0]) >= now - window]
    if not history or history[-1][1] != total:
        history.append([isoformat_local(now), total])
    if history != stored:
        alert.details = {**(alert.details or {}), "reposts": history}
    return history


def check_growth(
    session: Session, *, alert: Alert, now: datetime | None = None, counted: tuple[int, int] | None = None
) -> bool:
    """Raise the severity when the case holds enough posts or its reposts grew fast; True when raised.

    ``counted`` is the (posts, reposts) that ``refresh_heat`` has just returned, saving a second count.
    """
    if alert.status not in {s.value for s in OPEN_STATUSES}:
        return False
    settings = get_setting(session, key="grouping")
    now = now or utcnow()
    target = str(settings.get("raise_to", "较大"))
    count, total = counted if counted is not None else refresh_heat(session, alert=alert)
    window = timedelta(minutes=float(settings.get("repost_window_minutes", 60)))
    history = _repost_history(alert, total, now, window)
    if count >= int(settings.get("raise_at_posts", 3)):
        return raise_severity(session, alert=alert, to=target, why=f"同一事项已有{count}条帖子")
    growth = total - min(entry[1] for entry in history)
    if growth >= int(settings.get("repost_growth", 100)):
        minutes = int(window.total_seconds() // 60)
        return raise_severity(session, alert=alert, to=target, why=f"转发量{minutes}分钟内增加{growth}次")
    return False
