"""Administration of sources: health (last success, consecutive failures, blind), recent runs, preview (试抓)."""

from __future__ import annotations

from typing import Annotated

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from core.audit_log import changes
from core.bounds import RowId
from core.errors import InvalidInput, NotFound
from core.models import CrawlRun, Post, Source, User
from core.types import Role
from crawlers.health import MANUAL_SOURCE_NAMES
from crawlers.health import source_health as crawler_health
from crawlers.preview import Preview, preview_source
from crawlers.source_admin import public_config, secret_names
from crawlers.sources import KINDS
from web import figures
from web.deps import SessionDep
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
PREVIEW_ITEMS = 5
RECENT_RUNS = 20
RUN_LABELS = {"succeeded": "成功", "failed": "失败", "running": "进行中"}
ERROR_LABELS = {
    "not_found": "页面不存在（404）",
    "server_error": "服务器错误",
    "timeout": "超时",
    "connection": "无法连接",
    "robots_forbidden": "robots.txt 禁止抓取",
    "redirect_loop": "重定向循环",
    "too_large": "页面过大",
    "empty_response": "页面为空",
    "parse_error": "解析出错",
    "anti_bot": "被反爬拦截",
    "layout_changed": "页面结构已变",
    "api_error": "接口报错",
    "item_error": "处理帖子出错（未保存）",
}


def previewable(source: Source) -> bool:
    """True for a source a spider crawls (not manual intake or imports)."""
    return source.kind in KINDS and source.name not in MANUAL_SOURCE_NAMES


def _sources_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    preview: Preview | None = None,
    previewed: Source | None = None,
) -> HTMLResponse:
    counts: dict[int, int] = {
        source_id: count
        for source_id, count in session.execute(select(Post.source_id, func.count()).group_by(Post.source_id))
        if source_id is not None
    }
    runs = {
        run.source_id: run
        for run in session.scalars(
            select(CrawlRun).where(
                CrawlRun.id.in_(select(func.max(CrawlRun.id)).group_by(CrawlRun.source_id).scalar_subquery())
            )
        )
    }
    health = figures.source_health(session)
    return render(
        request,
        "admin/sources.html",
        {
            "sources": health,
            "blind": [h for h in health if h.blind],
            "counts": counts,
            "runs": runs,
            "previewable": previewable,
            "preview": preview,
            "previewed": previewed,
            "error_labels": ERROR_LABELS,
            "run_labels": RUN_LABELS,
            "tab": "sources",
        },
        user=user,
        active="admin",
    )


@router.get("/admin/sources")
def sources_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """Sources with their health (blind warnings), posts collected and the latest run."""
    return _sources_page(request, session, user)


@router.post("/admin/sources/{source_id}/preview", dependencies=[CsrfChecked])
def preview(request: Request, session: SessionDep, user: AdminUser, source_id: RowId) -> HTMLResponse:
    """Fetch and parse a few items of the source's first page, storing nothing, and show them."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"来源 {source_id} 不存在")
    if not previewable(source):
        raise InvalidInput("人工录入或导入的来源无需试抓", details={"field": "source_id"})
    config = dict(source.config)
    session.rollback()  # no transaction held while the child process fetches pages
    result = preview_source(config=config, limit=PREVIEW_ITEMS)
    return _sources_page(request, session, user, preview=result, previewed=session.get(Source, source_id))


@router.get("/admin/sources/{source_id}")
def source_page(request: Request, session: SessionDep, user: AdminUser, source_id: RowId) -> HTMLResponse:
    """One source: its health, its definition and its latest crawl runs with drops and errors by reason."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"来源 {source_id} 不存在")
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.source_id == source_id).order_by(CrawlRun.id.desc()).limit(RECENT_RUNS)
    ).all()
    posts = session.scalar(select(func.count()).select_from(Post).where(Post.source_id == source_id)) or 0
    return render(
        request,
        "admin/source.html",
        {
            "source": source,
            "health": crawler_health(session, source=source),
            "definition": yaml.safe_dump(public_config(source.config), allow_unicode=True, sort_keys=False),
            "secrets": secret_names(source.config),
            "changes": changes(session, entity="source", entity_id=source.id, limit=20)[0],
            "runs": runs,
            "posts": posts,
            "previewable": previewable(source),
            "error_labels": ERROR_LABELS,
            "run_labels": RUN_LABELS,
            "tab": "sources",
        },
        user=user,
        active="admin",
    )
