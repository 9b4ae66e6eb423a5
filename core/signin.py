"""Sign-in with throttling: guessing is slowed per user name and per address, for pages and API alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, Index, String, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from core.db import reading
from core.errors import AuthenticationFailed, TooManyAttempts
from core.models import Base, User
from core.service import password_matches
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
    if session.in_transaction():
        wait, stored = _throttle_and_hash(session, username=username, ip=ip, now=now)
    else:
        # The password hash takes ~0.1 s on purpose: on SQLite a writing transaction would hold the database's
        # write lock all that time (every sign-in, and every guess, stalling crawls and alerts). So the
        # throttle and the stored hash are read as a reader, and the hash is checked with no transaction open.
        with reading():
            wait, stored = _throttle_and_hash(session, username=username, ip=ip, now=now)
        session.commit()
    if wait:
        raise TooManyAttempts(f"登录失败次数过多，请 {wait} 分钟后再试", details={"minutes": wait})
    user_id, active, password_hash = stored or (None, False, None)
    valid, new_hash = password_matches(password=password, password_hash=password_hash)
    user = session.get(User, user_id) if valid and active and user_id is not None else None
    if user is not None and (not user.active or user.password_hash != password_hash):
        # Changed between the read and now (deactivated, or a new password set): decide on the row as it is.
        valid, new_hash = password_matches(password=password, password_hash=user.password_hash)
        user = user if valid and user.active else None
    if user is None:
        # Committed here because the caller rolls back its own transaction on the error.
        session.add(LoginAttempt(username=username, ip=ip, at=now, succeeded=False))
        session.commit()
        raise AuthenticationFailed("用户名或密码错误")
    if new_hash is not None:
        user.password_hash = new_hash
    session.add(LoginAttempt(username=username, ip=ip, at=now, succeeded=True))
    return user


def _throttle_and_hash(
    session: Session, *, username: str, ip: str, now: datetime
) -> tuple[int, tuple[int, bool, str] | None]:
    """Minutes to wait before another attempt (0: none), and the user's id, active flag and password hash."""
    since = now - WINDOW
    by_user = _recent_failures(
        session, column=LoginAttempt.username, value=username, since=since, limit=MAX_FAILURES_PER_USER
    )
    by_ip = _recent_failures(session, column=LoginAttempt.ip, value=ip, since=since, limit=MAX_FAILURES_PER_IP)
    wait = max(_wait_minutes(by_user, MAX_FAILURES_PER_USER, now), _wait_minutes(by_ip, MAX_FAILURES_PER_IP, now))
    row = session.execute(select(User.id, User.active, User.password_hash).where(User.username == username)).first()
    return wait, (int(row[0]), bool(row[1]), str(row[2])) if row is not None else None


def purge_attempts(session: Session) -> None:
    """Forget attempts long past the window."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - WINDOW * 4))
