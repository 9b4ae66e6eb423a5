"""Sign-in with throttling: guessing is slowed per user name and per address, for pages and API alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, Index, String, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from core.errors import AuthenticationFailed, TooManyAttempts
from core.models import Base, User
from core.service import authenticate
from core.timeutil import utcnow

# After this many failures inside the window, further attempts wait until the oldest one leaves it.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20


class LoginAttempt(Base):
    """One sign-in attempt, kept long enough to throttle guessing by user name and by address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


def _wait_minutes(failures: list[datetime], limit: int, now: datetime) -> int:
    """Minutes to wait when ``failures`` (newest first) reach ``limit`` inside the window, else 0."""
    if len(failures) < limit:
        return 0
    free_at = failures[limit - 1] + WINDOW
    return max(1, int((free_at - now).total_seconds() // 60) + 1)


def _recent_failures(
    session: Session, *, column: InstrumentedAttribute[str], value: str, since: datetime, limit: int
) -> list[datetime]:
    return list(
        session.scalars(
            select(LoginAttempt.at)
            .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
            .order_by(LoginAttempt.at.desc())
            .limit(limit)
        )
    )


def sign_in_user(session: Session, *, username: str, password: str, ip: str) -> User:
    """The user with these credentials, refusing while throttled; every attempt is recorded."""
    now = utcnow()
    username = username.strip()[:64]
    ip = ip[:64]
    since = now - WINDOW
    by_user = _recent_failures(
        session, column=LoginAttempt.username, value=username, since=since, limit=MAX_FAILURES_PER_USER
    )
    by_ip = _recent_failures(session, column=LoginAttempt.ip, value=ip, since=since, limit=MAX_FAILURES_PER_IP)
    wait = max(_wait_minutes(by_user, MAX_FAILURES_PER_USER, now), _wait_minutes(by_ip, MAX_FAILURES_PER_IP, now))
    if wait:
        raise TooManyAttempts(f"登录失败次数过多，请 {wait} 分钟后再试", details={"minutes": wait})
    try:
        user = authenticate(session, username=username, password=password)
    except AuthenticationFailed:
        # Committed here because the caller rolls back its own transaction on the error.
        session.add(LoginAttempt(username=username, ip=ip, at=now, succeeded=False))
        session.commit()
        raise
    session.add(LoginAttempt(username=username, ip=ip, at=now, succeeded=True))
    return user


def purge_attempts(session: Session) -> None:
    """Forget attempts long past the window."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - WINDOW * 4))
