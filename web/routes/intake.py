"""Manual intake (人工录入): add a post by URL or pasted text, import hotline work orders (CSV/XLSX)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from alerts.cases.hotline import open_cases
from core.bounds import IMPORT_BODY_LIMIT
from core.errors import InvalidInput, MuqingError, http_status
from core.models import Post, User
from core.types import Role
from crawlers.imports import DEFAULT_MAPPING, Mapping, available_mappings, import_work_orders, resolve_mapping
from crawlers.intake import intake_text, intake_url
from nlp.service import analyze_post
from web.deps import SessionDep
from web.pages import committing
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

IntakeUser = Annotated[User, require_roles(Role.duty, Role.admin)]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Fields an admin may point at other columns for one import (several columns: separated by commas).
MAPPED_FIELDS = {
    "external_id": "编号列",
    "title": "标题列",
    "content": "内容列",
    "published_at": "时间列",
    "author": "反映人列",
}
OUTCOMES = {"created": "已添加", "known": "已存在（未重复添加）", "linked": "已存在（关联为同一帖子）"}


def _page(
    request: Request,
    user: User,
    *,
    tab: str = "url",
    result: dict[str, Any] | None = None,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    mappings = available_mappings()
    return render(
        request,
        "intake.html",
        {
            "tab": tab,
            "result": result,
            "error": error,
            "form": form or {},
            "mappings": mappings,
            "default_mapping": DEFAULT_MAPPING,
            "mapped_fields": MAPPED_FIELDS,
            "outcomes": OUTCOMES,
        },
        user=user,
        active="intake",
        status_code=status_code,
    )


@router.get("/intake")
def intake_page(request: Request, user: IntakeUser, tab: str = "url") -> HTMLResponse:
    """The three ways to add posts by hand."""
    return _page(request, user, tab=tab if tab in ("url", "text", "import") else "url")


@router.post("/intake/url", dependencies=[CsrfChecked])
def add_by_url(
    request: Request, session: SessionDep, user: IntakeUser, url: Annotated[str, Form(max_length=2048)]
) -> HTMLResponse:
    """Fetch a page with the normal crawler (robots.txt, limits, evidence) and store it as a post."""
    # End the request's transaction: on SQLite it would hold the write lock the crawl needs.
    session.rollback()
    try:
        outcome = intake_url(url=url.strip())
    except MuqingError as exc:
        return _page(request, user, tab="url", error=exc.message, form={"url": url}, status_code=http_status(exc))
    if outcome.post_id is None:
        why = outcome.crawl.error or "、".join(f"{k}×{v}" for k, v in outcome.crawl.errors.items()) or "页面没有正文"
        return _page(request, user, tab="url", error=f"无法从该网址取得帖子：{why}", form={"url": url}, status_code=400)
    post = session.get(Post, outcome.post_id)
    result = {
        "kind": "post",
        "post_id": outcome.post_id,
        "title": post.title if post else "",
        "outcome": "created" if outcome.created else "known",
    }
    return _page(request, user, tab="url", result=result)


@router.post("/intake/text", dependencies=[CsrfChecked])
def add_by_text(
    request: Request,
    session: SessionDep,
    user: IntakeUser,
    content: Annotated[str, Form(max_length=50000)],
    title: Annotated[str, Form(max_length=500)] = "",
    url: Annotated[str, Form(max_length=2048)] = "",
    author: Annotated[str, Form(max_length=200)] = "",
    published_at: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """Store a pasted post; the pasted text itself is kept as its evidence."""
    form = {"title": title, "content": content, "url": url, "author": author, "published_at": published_at}

    def shown(exc: MuqingError) -> HTMLResponse:
        return _page(request, user, tab="text", error=exc.message, form=form, status_code=http_status(exc))

    with committing(session, MuqingError, shown=shown):
        if not content.strip():
            raise InvalidInput("请粘贴帖子内容", details={"field": "content"})
        stored = intake_text(
            session,
            title=title.strip(),
            content=content.strip(),
            url=url.strip() or None,
            author=author.strip() or None,
            published_at=published_at.strip() or None,
            submitted_by=user.username,
        )
        post_id, post_title = stored.post.id, stored.post.title
    return _page(
        request,
        user,
        tab="text",
        result={"kind": "post", "post_id": post_id, "title": post_title, "outcome": stored.outcome},
    )


def _columns(value: str) -> list[str]:
    for mark in ("，", "、"):
        value = value.replace(mark, ",")
    return [column.strip() for column in value.split(",") if column.strip()]


def _mapping(name: str, overrides: dict[str, str]) -> Mapping:
    if "/" in name or "\\" in name:
        raise InvalidInput("映射只能按名称选择", details={"field": "mapping"})
    base = resolve_mapping(name or None)
    changes: dict[str, Any] = {field: _columns(text) for field, text in overrides.items() if _columns(text)}
    if not changes:
        return base
    try:
        return Mapping.model_validate({**base.model_dump(), **changes})
    except ValidationError as exc:
        raise InvalidInput("列映射有误", details={"field": "mapping"}) from exc


@router.post("/intake/import", dependencies=[CsrfChecked], max_body_size=IMPORT_BODY_LIMIT)
async def import_file(
    request: Request,
    session: SessionDep,
    user: IntakeUser,
    file: Annotated[UploadFile, File()],
    mapping: Annotated[str, Form(max_length=100)] = DEFAULT_MAPPING,
) -> HTMLResponse:
    """Import hotline work orders: good rows become posts; bad rows are listed with row number and reason."""
    form = await request.form()
    overrides = {field: str(form.get(f"col_{field}", ""))[:500] for field in MAPPED_FIELDS}
    filename = file.filename or "upload.csv"
    data = await file.read(MAX_UPLOAD_BYTES + 1)

    def shown(exc: MuqingError) -> HTMLResponse:
        form_values = {"mapping": mapping, **{f"col_{k}": v for k, v in overrides.items()}}
        return _page(request, user, tab="import", error=exc.message, form=form_values, status_code=http_status(exc))

    with committing(session, MuqingError, shown=shown):
        if not data:
            raise InvalidInput("请选择要导入的文件", details={"field": "file"})
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput("文件超过 50 MB", details={"field": "file"})
        if not filename.lower().endswith((".csv", ".xlsx", ".xlsm")):
            raise InvalidInput("只能导入 CSV 或 XLSX 文件", details={"field": "file"})
        report = import_work_orders(session, data=data, filename=filename, mapping=_mapping(mapping, overrides))
        cases = open_cases(session, post_ids=report.post_ids, analyse=analyze_post)
    result = {
        "kind": "import",
        "filename": filename,
        "source": report.source,
        "imported": report.imported,
        "unchanged": report.unchanged,
        "errors": report.errors,
        "cases": len(cases),
    }
    return _page(request, user, tab="import", result=result, form={"mapping": mapping})
