"""Core services: users and sections, sources, posts. Keyword-only, no web code."""

from __future__ import annotations

from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.errors import AuthenticationFailed, InvalidInput, NotFound
from core.models import Post, Section, Source, User

# store_post lives with the rest of the storing rules; it is re-exported here for callers of core services.
from core.posts import ANALYZE_TOPIC, EvidenceIn, StoredPost, store_post
from core.types import Role

# The test suite creates hundreds of users; cheap Argon2 parameters there, the library's defaults elsewhere.
_hasher = (
    PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    if get_settings().env == "test"
    else PasswordHash.recommended()
)

__all__ = ["ANALYZE_TOPIC", "EvidenceIn", "StoredPost", "store_post"]


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role | str,
    section_code: str | None = None,
    display_name: str = "",
    email: str | None = None,
) -> User:
    """Create a user; staff and heads must name their section."""
    role = Role(role)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InvalidInput(f"用户名 {username} 已存在", details={"field": "username"})
    section = None
    if section_code is not None:
        section = get_section_by_code(session, code=section_code)
    if role in (Role.staff, Role.head) and section is None:
        raise InvalidInput("科室经办人和科室负责人必须属于一个科室", details={"field": "section"})
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        section=section,
        display_name=display_name or username,
        email=email,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace a user's password."""
    user.password_hash = hash_password(password)


def authenticate(session: Session, *, username: str, password: str) -> User:
    """The active user with these credentials, or AuthenticationFailed."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        # Hash anyway so timing does not tell which usernames exist.
        _hasher.verify(password, _DUMMY_HASH)
        raise AuthenticationFailed("用户名或密码错误")
    valid, new_hash = _hasher.verify_and_update(password, user.password_hash)
    if not valid:
        raise AuthenticationFailed("用户名或密码错误")
    if new_hash is not None:
        user.password_hash = new_hash
    return user


_DUMMY_HASH = _hasher.hash("muqing-timing-equaliser")


def get_section_by_code(session: Session, *, code: str) -> Section:
    """The section with this code, or NotFound."""
    section = session.scalar(select(Section).where(Section.code == code))
    if section is None:
        raise NotFound(f"科室 {code} 不存在")
    return section


def ensure_section(session: Session, *, code: str, name: str, description: str = "") -> Section:
    """Create the section if missing (idempotent), returning it."""
    section = session.scalar(select(Section).where(Section.code == code))
    if section is None:
        section = Section(code=code, name=name, description=description)
        session.add(section)
        session.flush()
    return section


def ensure_source(
    session: Session,
    *,
    name: str,
    kind: str,
    config: dict[str, Any],
    interval_minutes: int = 60,
    title: str = "",
) -> Source:
    """Create or update the source called ``name`` (sources are data, loaded from a file)."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=kind)
        session.add(source)
    source.kind = kind
    source.config = config
    source.interval_minutes = interval_minutes
    source.title = title or source.title or name
    session.flush()
    return source


def get_post(session: Session, *, post_id: int) -> Post:
    """The post with this id, or NotFound."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"帖子 {post_id} 不存在")
    return post
