"""Browser sessions (server-side, revocable) of the web UI; sign-in throttling is ``core.signin``."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.config import get_settings
from core.errors import AuthenticationFailed
from core.models import Base, User
from core.signin import purge_attempts, sign_in_user
from core.timeutil import utcnow

log = logging.getLogger(__name__)

# A session ends after this long without a page view, and in any case after settings.token_minutes.
IDLE_MINUTES = 120
# last_seen_at is written at most this often, so reading pages does not turn into a write per request.
TOUCH_EVERY = timedelta(minutes=1)


class WebSession(Base):
    """A signed-in browser; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just started: the cookie value (shown once) and the row."""

    token: str
    session: WebSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in(session: Session, *, username: str, password: str, ip: str, user_agent: str = "") -> NewSession:
    """Check the credentials (refusing while throttled) and start a session."""
    user = sign_in_user(session, username=username, password=password, ip=ip)
    return start_session(session, user=user, ip=ip, user_agent=user_agent)


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
        try:
            session.commit()
        except OperationalError as exc:
            # A page view reads; while a long write holds SQLite, the idle clock waits for the next view.
            session.rollback()
            log.info("session touch deferred, the database is busy: %s", exc)
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
    purge_attempts(session)


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
