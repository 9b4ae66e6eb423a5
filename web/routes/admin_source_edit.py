"""Adding, editing, trying (试抓), pausing and crawling a source from the admin's pages; no sources file needed.

The form has a field for each common part of a source definition (the list and detail selectors of a forum,
a feed's address, a board's fid …); anything else goes in the optional YAML box, which, when filled, is the
whole definition. Both are checked exactly as the sources file is, and a refused field is named on the page.
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.bounds import RowId
from core.errors import InvalidInput
from core.models import Source, User
from core.tasks import enqueue
from core.types import Role
from crawlers import source_admin
from crawlers.preview import Preview, preview_source
from crawlers.sources import KINDS
from web.deps import SessionDep
from web.pages import committing, done
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, require_roles(Role.admin)]
KIND_LABELS = {
    "list_detail": "论坛/留言板（列表页 + 详情页，选择器）",
    "rss": "RSS / Atom 订阅",
    "json_api": "JSON 接口",
    "article": "新闻页面（自动提取正文）",
    "people_liuyan": "人民网领导留言板",
    "gov_mailbox": "政府网站互动交流/区长信箱",
    "news_search": "新闻关键词搜索",
    "weibo_search": "微博关键词搜索",
    "tieba": "百度贴吧",
}
_SIMPLE = ("name", "title", "note")
_INTEGERS = ("interval_minutes",)
_CHOICES = ("relevance", "render")
_LIST = ("item", "link", "next_page", "title", "published_at", "author")
_DETAIL = ("title", "content", "published_at", "author")
_BY_KIND = {"people_liuyan": ("fid",), "tieba": ("forum",), "article": ("links",), "gov_mailbox": ()}


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace("\r", "").split("\n") if line.strip()]


def _headers(value: str) -> dict[str, str]:
    headers = {}
    for number, line in enumerate(_lines(value), start=1):
        name, colon, content = line.partition(":")
        if not colon or not name.strip():
            raise InvalidInput(f"请求头第 {number} 行应写成“名称: 值”", details={"field": "headers"})
        headers[name.strip()] = content.strip()
    return headers


def definition_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The source definition the form describes (the YAML box, when filled, is the whole definition)."""
    advanced = (form.get("definition") or "").strip()
    if advanced:
        try:
            loaded = yaml.safe_load(advanced)
        except yaml.YAMLError as exc:
            raise InvalidInput(f"YAML 格式错误：{exc}", details={"field": "definition"}) from exc
        if not isinstance(loaded, dict):
            raise InvalidInput("YAML 应为一个来源的定义（键值结构）", details={"field": "definition"})
        return loaded
    kind = form.get("kind", "")
    data: dict[str, Any] = {"kind": kind}
    for key in (*_SIMPLE, *_CHOICES, "wait_for"):
        if (form.get(key) or "").strip():
            data[key] = form[key].strip()
    for key in _INTEGERS:
        if (form.get(key) or "").strip():
            data[key] = int(form[key]) if form[key].strip().isdigit() else form[key].strip()
    data["enabled"] = form.get("enabled") == "1"
    data["obey_robots"] = form.get("obey_robots") == "1"
    urls = _lines(form.get("start_urls", ""))
    if kind in ("list_detail", "rss", "article", "gov_mailbox"):
        data["start_urls"] = urls
    if kind == "list_detail":
        listing = {key: form[f"list_{key}"].strip() for key in _LIST if (form.get(f"list_{key}") or "").strip()}
        if (form.get("list_max_pages") or "").strip():
            listing["max_pages"] = form["list_max_pages"].strip()
        data["list"] = listing
        data["detail"] = {
            key: form[f"detail_{key}"].strip() for key in _DETAIL if (form.get(f"detail_{key}") or "").strip()
        }
    if kind in ("news_search", "weibo_search"):
        data["keywords"] = [word for line in _lines(form.get("keywords", "")) for word in [line]]
    for key in _BY_KIND.get(kind, ()):
        if (form.get(key) or "").strip():
            data[key] = form[key].strip()
    if (form.get("headers") or "").strip():
        data["headers"] = _headers(form["headers"])
    return data


def _values(source: Source | None) -> dict[str, Any]:
    """The form's fields for a stored source (secrets left out)."""
    if source is None:
        return {"kind": "list_detail", "enabled": True, "obey_robots": True, "interval_minutes": 60}
    config = source_admin.public_config(source.config)
    values: dict[str, Any] = {key: config.get(key) for key in (*_SIMPLE, *_INTEGERS, *_CHOICES, "wait_for", "kind")}
    values.update(enabled=source.enabled, obey_robots=config.get("obey_robots", True))
    values["start_urls"] = "\n".join(config.get("start_urls") or [])
    for key in _LIST:
        values[f"list_{key}"] = (config.get("list") or {}).get(key)
    values["list_max_pages"] = (config.get("list") or {}).get("max_pages")
    for key in _DETAIL:
        values[f"detail_{key}"] = (config.get("detail") or {}).get(key)
    values["keywords"] = "\n".join(config.get("keywords") or [])
    for key in ("fid", "forum", "links"):
        values[key] = config.get(key)
    values["headers"] = "\n".join(f"{k}: {v}" for k, v in (config.get("headers") or {}).items())
    return values


def _form_page(
    request: Request,
    user: User,
    *,
    source: Source | None,
    values: dict[str, Any],
    error: InvalidInput | None = None,
    preview: Preview | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "admin/source_form.html",
        {
            "source": source,
            "values": values,
            "error": error,
            "errors": (error.details.get("errors") if error else None) or [],
            "preview": preview,
            "secrets": source_admin.secret_names(source.config) if source is not None else [],
            "kinds": KIND_LABELS,
            "tab": "sources",
        },
        user=user,
        active="admin",
        status_code=status_code,
    )


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


@router.get("/admin/sources/new")
def new_source_page(request: Request, user: AdminUser, kind: str = "list_detail") -> HTMLResponse:
    """The form to add a source."""
    values = _values(None)
    values["kind"] = kind if kind in KINDS else "list_detail"
    return _form_page(request, user, source=None, values=values)


@router.post("/admin/sources/new", dependencies=[CsrfChecked])
async def create_source(request: Request, session: SessionDep, user: AdminUser) -> Response:
    """Add a source from the form; a refused field is named on the form, which keeps what was typed."""
    form = await _form(request)

    def shown(exc: InvalidInput) -> HTMLResponse:
        return _form_page(request, user, source=None, values=form, error=exc, status_code=422)

    with committing(session, InvalidInput, shown=shown):
        source = source_admin.create_source(session, data=definition_from_form(form), actor=user)
    return done(f"/admin/sources/{source.id}", "created")


@router.get("/admin/sources/{source_id}/edit")
def edit_source_page(request: Request, session: SessionDep, user: AdminUser, source_id: RowId) -> HTMLResponse:
    """The form to change a source (secrets are not shown; left empty they are kept)."""
    source = source_admin.get(session, source_id=source_id)
    return _form_page(request, user, source=source, values=_values(source))


@router.post("/admin/sources/{source_id}/edit", dependencies=[CsrfChecked])
async def update_source(request: Request, session: SessionDep, user: AdminUser, source_id: RowId) -> Response:
    """Save the changed definition."""
    form = await _form(request)

    def shown(exc: InvalidInput) -> HTMLResponse:
        source = source_admin.get(session, source_id=source_id)
        return _form_page(request, user, source=source, values=form, error=exc, status_code=422)

    with committing(session, InvalidInput, shown=shown):
        source_admin.replace_source(session, source_id=source_id, data=definition_from_form(form), actor=user)
    return done(f"/admin/sources/{source_id}", "saved")


@router.post("/admin/sources/try", dependencies=[CsrfChecked])
async def try_definition(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """试抓 from the form, before saving: the first page parsed, nothing stored."""
    form = await _form(request)
    source = session.get(Source, int(form["source_id"])) if form.get("source_id", "").isdigit() else None
    try:
        data = definition_from_form(form)
        if source is not None:
            data = {
                **source.config,
                **data,
                "headers": {**(source.config.get("headers") or {}), **data.get("headers", {})},
            }
        source_admin.validate(data)
    except InvalidInput as exc:
        return _form_page(request, user, source=source, values=form, error=exc, status_code=422)
    session.rollback()  # no transaction held while the child process fetches pages
    result = preview_source(config=data, limit=5)
    return _form_page(request, user, source=source, values=form, preview=result)


@router.post("/admin/sources/{source_id}/pause", dependencies=[CsrfChecked])
def pause_source(session: SessionDep, user: AdminUser, source_id: RowId) -> RedirectResponse:
    """Stop crawling the source."""
    source_admin.set_enabled(session, source_id=source_id, enabled=False, actor=user)
    session.commit()
    return done(f"/admin/sources/{source_id}", "paused")


@router.post("/admin/sources/{source_id}/resume", dependencies=[CsrfChecked])
def resume_source(session: SessionDep, user: AdminUser, source_id: RowId) -> RedirectResponse:
    """Crawl the source again on its interval."""
    source_admin.set_enabled(session, source_id=source_id, enabled=True, actor=user)
    session.commit()
    return done(f"/admin/sources/{source_id}", "resumed")


@router.post("/admin/sources/{source_id}/delete", dependencies=[CsrfChecked])
def delete_source(session: SessionDep, user: AdminUser, source_id: RowId) -> RedirectResponse:
    """Remove a source that has no posts."""
    source_admin.delete_source(session, source_id=source_id, actor=user)
    session.commit()
    return done("/admin/sources", "deleted")


@router.post("/admin/sources/{source_id}/crawl", dependencies=[CsrfChecked])
def crawl_now(session: SessionDep, user: AdminUser, source_id: RowId) -> RedirectResponse:
    """Crawl the source now (in its own child process), whatever its interval."""
    source_admin.get(session, source_id=source_id)
    session.rollback()
    enqueue("crawlers.crawl_source", source_id=source_id)
    return done(f"/admin/sources/{source_id}", "queued", "#runs-h")
