"""A profile's public channels as sources: created disabled, for an admin to confirm each address and enable.

The 兰山区 profile (``core/resources/lanshan/sources.yaml``) lists the district's 民生留言/区长信箱 board,
人民网领导留言板 for 临沂, local news, keyword news search, the city's 贴吧 and the city's 12345 export
(a source of imported work orders, not crawled). Sources already present are left as they are.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit_log import record_change
from core.district.profiles import PROFILES, current_profile, read_yaml
from core.models import Source, User
from core.service import ensure_source
from crawlers.service import sync_sources
from crawlers.sources import parse_sources


def seed_profile_sources(session: Session, *, profile: str | None = None, actor: User | None = None) -> list[str]:
    """Create the profile's sources that are missing, every one disabled; returns their names."""
    chosen = PROFILES[profile] if profile else current_profile()
    if chosen.sources is None:
        return []
    data = read_yaml(chosen.sources)
    imports = data.pop("imports", None) or []
    specs = parse_sources(data, origin=chosen.sources.name)
    present = set(session.scalars(select(Source.name)))
    created = []
    for spec in specs:
        if spec.name in present:
            continue
        source = sync_sources(session, specs=[spec.model_copy(update={"enabled": False})])[0]
        created.append(source.name)
    for entry in imports:
        if entry["name"] in present:
            continue
        source = ensure_source(
            session,
            name=entry["name"],
            kind="import",
            config={"name": entry["name"], "kind": "import", **entry},
            title=entry.get("title", ""),
        )
        source.enabled = False
        created.append(source.name)
    if created:
        record_change(
            session,
            actor=actor,
            entity="source",
            entity_id=None,
            entity_name=chosen.title,
            action="import",
            after={"profile": chosen.name, "sources": created},
            note="从配置导入公开渠道（均未启用，待确认地址）",
        )
    session.flush()
    return created
