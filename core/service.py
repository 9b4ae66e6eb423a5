"""Core services: users and sections, sources, posts. Keyword-only, no web code."""

from __future__ import annotations

from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.errors import Conflict, InvalidInput, NotFound
from core.models import Post, Section, Source, User

# store_post lives with the rest of the storing rules; it is re-exported here for callers of core services.
from core.posts import ANALYZE_TOPIC, EvidenceIn, StoredPost, store_post
from core.privacy import keep_unmasked
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


MIN_PASSWORD = 8
SECTION_ROLES = (Role.staff, Role.head)


def _role_and_section(session: Session, *, role: str, section_id: int | None) -> tuple[Role, Section | None]:
    """A valid role, and the section it needs (staff and heads) or None (everyone else)."""
    if role not in {r.value for r in Role}:
        raise InvalidInput("角色无效", details={"field": "role"})
    section = session.get(Section, section_id) if section_id is not None else None
    if section_id is not None and section is None:
        raise InvalidInput(f"科室 {section_id} 不存在", details={"field": "section_id"})
    if role in SECTION_ROLES and section is None:
        raise InvalidInput("科室经办人和科室负责人必须选择科室", details={"field": "section_id"})
    return Role(role), section if role in SECTION_ROLES else None


def add_user(
    session: Session, *, username: str, password: str, role: str, section_id: int | None, display_name: str = ""
) -> User:
    """A user added by the admin: a password of at least ``MIN_PASSWORD`` characters, a section where needed."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 位", details={"field": "password"})
    if not username.strip():
        raise InvalidInput("请填写用户名", details={"field": "username"})
    valid_role, section = _role_and_section(session, role=role, section_id=section_id)
    return create_user(
        session,
        username=username.strip(),
        password=password,
        role=valid_role,
        section_code=section.code if section else None,
        display_name=display_name.strip(),
    )


def update_user(
    session: Session,
    *,
    user_id: int,
    actor: User,
    display_name: str,
    role: str,
    section_id: int | None,
    active: bool,
) -> User:
    """Change a user's name, role, section or state; a deactivated user is signed out everywhere."""
    from core.websessions import end_user_sessions

    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"用户 {user_id} 不存在")
    valid_role, section = _role_and_section(session, role=role, section_id=section_id)
    if target.id == actor.id and (valid_role != Role.admin or not active):
        raise InvalidInput("不能停用自己或取消自己的管理员角色", details={"field": "role"})
    target.display_name = keep_unmasked(display_name.strip(), of=target.display_name) or target.username
    target.role = valid_role.value
    target.section_id = section.id if section else None
    target.active = active
    if not active:
        end_user_sessions(session, user_id=target.id)
    session.flush()
    return target


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace a user's password."""
    user.password_hash = hash_password(password)


def reset_password(session: Session, *, user_id: int, password: str) -> User:
    """The admin sets a new password (at least ``MIN_PASSWORD`` characters); the user is signed out everywhere."""
    from core.websessions import end_user_sessions

    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"用户 {user_id} 不存在")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 位", details={"field": "password"})
    set_password(session, user=target, password=password)
    end_user_sessions(session, user_id=target.id)
    return target


def password_matches(*, password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Whether ``password`` matches the stored hash, and a fresher hash to store when the parameters changed."""
    if password_hash is None:
        # Hash anyway so timing does not tell which usernames exist.
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    return _hasher.verify_and_update(password, password_hash)


_DUMMY_HASH = _hasher.hash("muqing-timing-equaliser")


def get_section_by_code(session: Session, *, code: str) -> Section:
    """The section with this code, or NotFound."""
    section = session.scalar(select(Section).where(Section.code == code))
    if section is None:
        raise NotFound(f"科室 {code} 不存在")
    return section


def create_section(session: Session, *, code: str, name: str, description: str = "") -> Section:
    """Add a section; its code must be new."""
    if session.scalar(select(Section.id).where(Section.code == code)) is not None:
        raise Conflict(f"科室代码 {code} 已存在", details={"field": "code"})
    section = Section(code=code, name=name.strip(), description=description.strip())
    session.add(section)
    session.flush()
    return section


def update_section(session: Session, *, section_id: int, name: str, description: str, active: bool) -> Section:
    """Rename, describe, or (de)activate a section."""
    section = session.get(Section, section_id)
    if section is None:
        raise NotFound(f"科室 {section_id} 不存在")
    # The form shows the stored text masked (a room or phone number): what comes back untouched keeps the original.
    section.name = keep_unmasked(name.strip(), of=section.name)
    section.description = keep_unmasked(description.strip(), of=section.description)
    section.active = active
    session.flush()
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
