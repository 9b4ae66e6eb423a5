"""Sources as data people edit: add, change, pause and remove a source, with the sources file's validation.

The only writer of sources outside the sources file. A source definition is exactly one entry of the sources
file (``crawlers.sources``); a bad field is refused naming it. Request-header secrets (Cookie, Authorization …)
and Weibo's ``cookie`` are write-only: they are stored for the crawler, never shown again (``public_config``),
and a change that does not mention them keeps them. Every change is in the admin's audit log.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit_log import record_change
from core.errors import Conflict, InvalidInput, NotFound
from core.models import CrawlRun, Post, Source, User
from core.privacy import keep_unmasked_value
from crawlers.sources import KINDS, AnySource, parse_source

SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key", "x-auth-token"})
SECRET_FIELDS = ("cookie",)


def field_errors(exc: ValidationError, data: dict[str, Any]) -> list[dict[str, str]]:
    """Each problem of a source definition as {field, message}, with fields named as in the sources file."""
    problems = []
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        if location and location[0] in KINDS:
            location = location[1:]  # the discriminator's tag, not a field
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            location = ["kind"]
            message = f"应为 {' / '.join(KINDS)} 之一，实际为 {data.get('kind')!r}"
        else:
            message = error["msg"].removeprefix("Value error, ")
        problems.append({"field": ".".join(location) or "(根)", "message": message})
    return problems


def validate(data: object) -> AnySource:
    """A source definition checked as the sources file checks it; InvalidInput naming the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("来源定义应为一个对象（与来源文件中的一项相同）", details={"field": "(根)"})
    try:
        return parse_source(data)
    except ValidationError as exc:
        problems = field_errors(exc, data)
        first = problems[0]
        text = "；".join(f"字段 {p['field']}：{p['message']}" for p in problems[:5])
        raise InvalidInput(f"来源定义有误：{text}", details={"field": first["field"], "errors": problems}) from exc


def secret_names(config: dict[str, Any]) -> list[str]:
    """Which write-only values a stored definition holds (``headers.Cookie``, ``cookie``)."""
    names = [f"headers.{key}" for key in (config.get("headers") or {}) if key.lower() in SECRET_HEADERS]
    return names + [name for name in SECRET_FIELDS if config.get(name)]


def public_config(config: dict[str, Any]) -> dict[str, Any]:
    """A stored definition without its secrets (what the API, the pages and the audit log show)."""
    shown = copy.deepcopy(config)
    headers = shown.get("headers")
    if isinstance(headers, dict):
        shown["headers"] = {key: value for key, value in headers.items() if key.lower() not in SECRET_HEADERS}
    for name in SECRET_FIELDS:
        if shown.get(name):
            shown[name] = None
    return shown


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _stored(spec: AnySource) -> dict[str, Any]:
    return spec.model_dump(mode="json", exclude_defaults=False)


def _crawlable(source: Source) -> None:
    if source.kind not in KINDS:
        raise InvalidInput("人工录入或导入的来源不能在这里修改", details={"field": "kind"})


def _name_free(session: Session, *, name: str, own_id: int | None = None) -> None:
    taken = session.scalar(select(Source.id).where(Source.name == name))
    if taken is not None and taken != own_id:
        raise InvalidInput(f"来源名称 {name} 已被使用", details={"field": "name"})


def _apply(source: Source, spec: AnySource) -> None:
    source.name = spec.name
    source.kind = spec.kind
    source.title = spec.title or spec.name
    source.config = _stored(spec)
    source.interval_minutes = spec.interval_minutes
    source.enabled = spec.enabled


def get(session: Session, *, source_id: int) -> Source:
    """The source with this id, or NotFound."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"来源 {source_id} 不存在")
    return source


def create_source(session: Session, *, data: dict[str, Any], actor: User | None) -> Source:
    """Add a source from one sources-file entry."""
    spec = validate(data)
    _name_free(session, name=spec.name)
    source = Source(name=spec.name, kind=spec.kind)
    _apply(source, spec)
    session.add(source)
    session.flush()
    record_change(
        session,
        actor=actor,
        entity="source",
        entity_id=source.id,
        entity_name=source.name,
        action="create",
        after=public_config(source.config),
    )
    return source


def update_source(session: Session, *, source_id: int, changes: dict[str, Any], actor: User | None) -> Source:
    """Change a source with a merge patch of its definition (secrets not mentioned are kept)."""
    source = get(session, source_id=source_id)
    _crawlable(source)
    if not isinstance(changes, dict):
        raise InvalidInput("修改内容应为一个对象", details={"field": "(根)"})
    before = public_config(source.config)
    spec = validate(merge_patch(dict(source.config), keep_unmasked_value(changes, of=source.config or {})))
    _name_free(session, name=spec.name, own_id=source.id)
    _apply(source, spec)
    session.flush()
    after = public_config(source.config)
    record_change(
        session,
        actor=actor,
        entity="source",
        entity_id=source.id,
        entity_name=source.name,
        action="update",
        before=before,
        after=after,
        note="、".join(sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))),
    )
    return source


def replace_source(session: Session, *, source_id: int, data: dict[str, Any], actor: User | None) -> Source:
    """Replace a source's whole definition (the edit form); its stored secrets stay unless ``data`` sets them."""
    source = get(session, source_id=source_id)
    _crawlable(source)
    stored = source.config or {}
    # The form shows the stored definition masked (a number in a start URL or a header): untouched, it is kept.
    data = keep_unmasked_value(data, of=stored)
    given = {key.lower() for key in (data.get("headers") or {})}
    kept = {
        k: v for k, v in (stored.get("headers") or {}).items() if k.lower() in SECRET_HEADERS and k.lower() not in given
    }
    if kept:
        data = {**data, "headers": {**(data.get("headers") or {}), **kept}}
    for name in SECRET_FIELDS:
        if stored.get(name) and not data.get(name):
            data = {**data, name: stored[name]}
    before = public_config(stored)
    spec = validate(data)
    _name_free(session, name=spec.name, own_id=source.id)
    _apply(source, spec)
    session.flush()
    after = public_config(source.config)
    record_change(
        session,
        actor=actor,
        entity="source",
        entity_id=source.id,
        entity_name=source.name,
        action="update",
        before=before,
        after=after,
        note="、".join(sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))),
    )
    return source


def set_enabled(session: Session, *, source_id: int, enabled: bool, actor: User | None) -> Source:
    """Pause (stop crawling) or resume a source."""
    source = get(session, source_id=source_id)
    _crawlable(source)
    if source.enabled != enabled:
        source.enabled = enabled
        source.config = {**source.config, "enabled": enabled}
        record_change(
            session,
            actor=actor,
            entity="source",
            entity_id=source.id,
            entity_name=source.name,
            action="resume" if enabled else "pause",
            before={"enabled": not enabled},
            after={"enabled": enabled},
        )
    session.flush()
    return source


def delete_source(session: Session, *, source_id: int, actor: User | None) -> None:
    """Remove a source that has no posts (one with posts is paused instead: its posts and evidence stay)."""
    source = get(session, source_id=source_id)
    _crawlable(source)
    posts = session.scalar(select(func.count()).select_from(Post).where(Post.source_id == source.id)) or 0
    if posts:
        raise Conflict(f"来源 {source.name} 已有 {posts} 条帖子，不能删除（帖子和存证要保留）；可以停用它")
    before = public_config(source.config)
    for run in session.scalars(select(CrawlRun).where(CrawlRun.source_id == source.id)):
        session.delete(run)
    session.delete(source)
    session.flush()
    record_change(
        session,
        actor=actor,
        entity="source",
        entity_id=source_id,
        entity_name=before.get("name", ""),
        action="delete",
        before=before,
    )
