"""Browser sessions and sign-in throttling. Keyword-only, no web framework code."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.errors import AuthenticationFailed
from core.models import User
from core.service import authenticate
from core.timeutil import utcnow
from web.models import LoginAttempt, WebSession

# A session ends after this long without a page view, and in any case after settings.token_minutes.
IDLE_MINUTES = 120
# last_seen_at is written at most this often, so reading pages does not turn into a write per request.
TOUCH_EVERY = timedelta(minutes=1)
# Guessing is slowed per user name and per address: after this many failures in the window, wait.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just started: the cookie value (shown once) and the row."""

    token: str
    session: WebSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _wait_minutes(failures: list[datetime], limit: int, now: datetime) -> int:
    """Minutes to wait when ``failures`` (newest first) reach ``limit`` inside the window, else 0."""
    if len(failures) < limit:
        return 0
    free_at = failures[limit - 1] + WINDOW
    return max(1, int((free_at - now).total_seconds() // 60) + 1)


def sign_in(session: Session, *, username: str, password: str, ip: str, user_agent: str = "") -> NewSession:
    """Check the credentials (refusing while throttled), record the attempt and start a session."""
    now = utcnow()
    username = username.strip()[:64]
    since = now - WINDOW
    by_user = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.username == username, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
            .order_by(LoginAttempt.at.desc())
            .limit(MAX_FAILURES_PER_USER)
        )
    )
    by_ip = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.ip == ip, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
            .order_by(LoginAttempt.at.desc())
            .limit(MAX_FAILURES_PER_IP)
        )
    )
    wait = max(_wait_minutes(by_user, MAX_FAILURES_PER_USER, now), _wait_minutes(by_ip, MAX_FAILURES_PER_IP, now))
    if wait:
        raise AuthenticationFailed(
            f"登录失败次数过多，请 {wait} 分钟后再试", code="throttled", details={"minutes": wait}
        )
    try:
        user = authenticate(session, username=username, password=password)
    except AuthenticationFailed:
        # The failure must be remembered even though the caller rolls back its own transaction.
        _record_failure(session, username=username, ip=ip, at=now)
        raise
    session.add(LoginAttempt(username=username, ip=ip[:64], at=now, succeeded=True))
    return start_session(session, user=user, ip=ip, user_agent=user_agent)


def _record_failure(session: Session, *, username: str, ip: str, at: datetime) -> None:
    session.add(LoginAttempt(username=username, ip=ip[:64], at=at, succeeded=False))
    session.commit()


def start_session(session: Session, *, user: User, ip: str = "", user_agent: str = "") -> NewSession:
    """A new session for ``user`` with its own CSRF token."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    row = WebSession(
        id=_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(minutes=get_settings().token_minutes),
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    session.add(row)
    session.flush()
    return NewSession(token, row)


def read_session(session: Session, *, token: str, touch: bool = True) -> WebSession:
    """The live session of a cookie token (its user active), or AuthenticationFailed; ends expired ones."""
    row = session.get(WebSession, _digest(token)) if token else None
    if row is None:
        raise AuthenticationFailed("请先登录")
    now = utcnow()
    if now >= row.expires_at or now >= row.last_seen_at + timedelta(minutes=IDLE_MINUTES):
        session.delete(row)
        session.commit()
        raise AuthenticationFailed("登录已过期，请重新登录", code="session_expired")
    if not row.user.active:
        raise AuthenticationFailed("账号已停用")
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return row


def end_session(session: Session, *, token: str) -> None:
    """Sign out: the session is deleted, so its cookie is useless even if kept."""
    session.execute(delete(WebSession).where(WebSession.id == _digest(token)))


def end_user_sessions(session: Session, *, user_id: int) -> int:
    """End every session of a user (deactivated, password changed); returns how many."""
    result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_old(session: Session) -> None:
    """Remove expired sessions and attempts older than the window."""
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - WINDOW * 4))


def active_session_count(session: Session, *, user_id: int) -> int:
    """How many live sessions a user has (for the admin page)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(WebSession)
            .where(WebSession.user_id == user_id, WebSession.expires_at > utcnow())
        )
        or 0
    )
