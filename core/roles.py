"""User roles and their Chinese names (apart from core.types, which loads SQLAlchemy)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """User roles (docs/architecture.md lists what each may do)."""

    admin = "admin"
    duty = "duty"  # 值班员
    leader = "leader"  # 中心领导
    head = "head"  # 科室负责人
    staff = "staff"  # 科室经办人


ROLE_LABELS: dict[str, str] = {
    "admin": "管理员",
    "duty": "值班员",
    "leader": "中心领导",
    "head": "科室负责人",
    "staff": "科室经办人",
}
