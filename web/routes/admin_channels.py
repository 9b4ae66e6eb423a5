"""Administration of notification channels (group robots, webhooks, mailing lists) and their test message.

The form is parsed into the API's ``ChannelIn`` and saved by ``alerts.notify.service``, so a channel the API
refuses is refused here with the same status and code.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from alerts.notify import service as notify
from alerts.notify.channels import CHANNEL_LABELS
from alerts.notify.rules import KINDS
from alerts.notify.schemas import ChannelIn
from core.bounds import RowId
from core.errors import Conflict, InvalidInput, MuqingError
from core.models import User
from core.types import Role
from web import figures
from web.deps import SessionDep
from web.forms import optional_int, parse, words
from web.pages import committing, done, form_error
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
LABELS = {
    "name": "名称",
    "kind": "类型",
    "config": "配置",
    "config.url": "地址",
    "config.to": "收件地址",
    "section_id": "科室",
    "events": "通知类型",
    "min_severity": "最低级别",
}


def _context(session: SessionDep, *, edit: int | None = None, **extra: Any) -> dict[str, Any]:
    channels = notify.list_channels(session)
    sections = figures.sections(session)
    return {
        "channels": channels,
        "editing": next((c for c in channels if c.id == edit), None),
        "sections": sections,
        "section_names": {s.id: s.name for s in sections},
        "kinds": notify.CHANNEL_KINDS,
        "channel_labels": CHANNEL_LABELS,
        "event_kinds": KINDS,
        "draft": None,
        "tab": "channels",
        "error": "",
        **extra,
    }


@router.get("/admin/channels")
def channels_page(request: Request, session: SessionDep, user: AdminUser, edit: RowId | None = None) -> HTMLResponse:
    """Every channel, the form to add or edit one, and a test message per channel."""
    return render(request, "admin/channels.html", _context(session, edit=edit), user=user, active="admin")


def channel_input(form: FormData) -> ChannelIn:
    """The channel a form describes, as the API would receive it."""
    kind = str(form.get("kind", ""))
    config: dict[str, Any]
    if kind == "email":
        config = {"to": words(str(form.get("to", "")))}
    else:
        config = {"url": str(form.get("url", "")).strip()}
        secret = str(form.get("secret", "")).strip()
        if secret:
            config["secret"] = secret
    values = {
        "name": str(form.get("name", "")).strip(),
        "kind": kind,
        "config": config,
        "section_id": optional_int(form.get("section_id")),
        "events": [str(v) for v in form.getlist("events")],
        "min_severity": str(form.get("min_severity", "")) or None,
        "enabled": bool(form.get("enabled")),
    }
    return parse(ChannelIn, values, labels=LABELS)


@router.post("/admin/channels", response_model=None, dependencies=[CsrfChecked])
async def save_channel(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse | RedirectResponse:
    """Create a channel (no id) or update one (id given; a secret left as ****** is kept)."""
    form = await request.form()
    channel_id = int(str(form["id"])) if str(form.get("id", "")).isdigit() else None

    def shown(exc: MuqingError) -> HTMLResponse:
        draft = {"name": str(form.get("name", "")), "config": {}}
        context = _context(session, edit=channel_id, draft=draft)
        return form_error(request, "admin/channels.html", context, exc, user=user)

    with committing(session, InvalidInput, Conflict, shown=shown):
        notify.save_channel(session, data=channel_input(form), channel_id=channel_id)
    return done("/admin/channels", "saved")


@router.post("/admin/channels/{channel_id}/delete", dependencies=[CsrfChecked])
def delete_channel(session: SessionDep, user: AdminUser, channel_id: RowId) -> RedirectResponse:
    """Remove a channel (its delivery log stays)."""
    notify.delete_channel(session, channel_id=channel_id)
    session.commit()
    return done("/admin/channels", "deleted")


@router.post("/admin/channels/{channel_id}/test", dependencies=[CsrfChecked])
def test_channel(session: SessionDep, user: AdminUser, channel_id: RowId) -> RedirectResponse:
    """Send a test message through a channel."""
    notify.send_test(session, channel_id=channel_id)
    session.commit()
    return done("/admin/channels", "tested")
