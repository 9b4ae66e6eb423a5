"""Jinja2 environment, filters and the one render helper every page uses."""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import object_session

from alerts.cases.lifecycle import STATUS_LABELS, TRANSITIONS
from alerts.cases.schemas import RESPONSE_CHANNELS
from alerts.notify.service import unread_count
from alerts.roster.service import NO_ROSTER_TEXT
from alerts.sla.deadlines import DUE_FIELDS, MET_FIELDS
from alerts.sla.holidays import missing_years
from core.models import User
from core.privacy import mask_name, mask_text
from core.timeutil import local_zone, to_local, utcnow
from core.types import CATEGORY_LABELS, ROLE_LABELS, SEVERITIES, Role
from core.urls import web_link
from web.highlight import highlight
from web.security import csrf_token, set_csrf_cookie_if_new

HERE = Path(__file__).parent
STATIC = HERE / "static"

# Most severe first, as pages list them.
SEVERITIES_SHOWN = tuple(reversed(SEVERITIES))
ACTION_LABELS = {
    **{name: spec.label for name, spec in TRANSITIONS.items()},
    "raise": "生成预警",
    "deadline_error": "时限计算失败",
    "disclosure_registered": "依申请公开登记",
    "disclosure_correction_requested": "告知补正（中止计时）",
    "disclosure_correction_received": "收到补正（重新计时）",
    "disclosure_extension": "延期答复",
    "disclosure_answer": "答复登记",
    "disclosure_corrected": "更正登记",
    "recompute_deadlines": "时限重新计算",
    "deadline": "时限变更",
    "section": "承办科室变更",
    "reveal": "查看完整个人信息",
}


# Messages shown after a form succeeded (?done=<key>); fixed texts, so a link cannot put words on the page.
FLASH = {
    **{name: f"已{spec.label}" for name, spec in TRANSITIONS.items()},
    "saved": "已保存",
    "created": "已创建",
    "deleted": "已删除",
    "password": "密码已重置，该用户需重新登录",
    "escalate": "已督办",
    "imported": "已导入",
    "notice": "已按通知录入放假安排，未办结案件的时限已重新计算",
    "raised": "已生成预警",
    "feedback": "已记录纠错，模型重新训练时会学习",
    "labelled": "已标注，模型重新训练时会学习",
    "retrain": "已开始重新训练，新模型不差于当前模型时才会启用",
    "handover": "已记录交接班",
    "received": "已确认接班",
    "moved": "已移动帖子",
    "already": "该帖子已在这条预警中",
    "tested": "已发送测试消息，投递结果见投递记录",
    "paused": "已停用，不再定时抓取",
    "resumed": "已启用，将按周期抓取",
    "queued": "已开始抓取，稍后刷新查看结果",
    "step": "已登记",
    "published": "已标记发布",
    "policy": "已保存为新版本的考核细则",
    "read": "已标为已读",
    "read_all": "已全部标为已读",
}


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the main navigation."""

    href: str
    label: str
    key: str
    # Shown only to section roles of this section (e.g. the office keeps the information-request register).
    section: str | None = None


DISCLOSURE = NavItem("/disclosure", "依申请公开", "disclosure")
SCORING = NavItem("/scoring", "考核", "scoring")
NAV: dict[str, tuple[NavItem, ...]] = {
    Role.duty: (
        NavItem("/console", "值班台", "console"),
        NavItem("/alerts", "预警", "alerts"),
        NavItem("/search", "检索", "search"),
        NavItem("/dashboard", "看板", "dashboard"),
        NavItem("/statements", "口径库", "statements"),
        NavItem("/reports", "通报", "reports"),
        NavItem("/intake", "帖子录入", "intake"),
        DISCLOSURE,
        NavItem("/labelling", "待标注", "labelling"),
    ),
    Role.leader: (
        NavItem("/dashboard", "看板", "dashboard"),
        NavItem("/alerts", "预警", "alerts"),
        NavItem("/console", "值班台", "console"),
        NavItem("/search", "检索", "search"),
        NavItem("/statements", "口径库", "statements"),
        NavItem("/reports", "通报", "reports"),
        DISCLOSURE,
        SCORING,
    ),
    Role.admin: (
        NavItem("/console", "值班台", "console"),
        NavItem("/alerts", "预警", "alerts"),
        NavItem("/dashboard", "看板", "dashboard"),
        NavItem("/search", "检索", "search"),
        NavItem("/statements", "口径库", "statements"),
        NavItem("/reports", "通报", "reports"),
        NavItem("/intake", "帖子录入", "intake"),
        DISCLOSURE,
        SCORING,
        NavItem("/labelling", "待标注", "labelling"),
        NavItem("/admin", "管理", "admin"),
    ),
    Role.head: (
        NavItem("/workbench", "工作台", "workbench"),
        NavItem("/alerts", "本科室预警", "alerts"),
        NavItem("/search", "检索", "search"),
        NavItem("/statements", "口径库", "statements"),
        NavItem("/reports", "通报", "reports"),
        NavItem("/disclosure", "依申请公开", "disclosure", section="office"),
        NavItem("/scoring", "考核", "scoring"),
    ),
    Role.staff: (
        NavItem("/workbench", "工作台", "workbench"),
        NavItem("/alerts", "本科室预警", "alerts"),
        NavItem("/search", "检索", "search"),
        NavItem("/statements", "口径库", "statements"),
        NavItem("/reports", "通报", "reports"),
        NavItem("/disclosure", "依申请公开", "disclosure", section="office"),
    ),
}

HOME = {Role.duty: "/console", Role.leader: "/dashboard", Role.admin: "/console", Role.head: "/workbench"}


def home_of(user: User) -> str:
    """The first page a role sees after signing in."""
    return HOME.get(Role(user.role), "/workbench")


@cache
def _asset_version(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """A static asset's URL with a content version, so it can be cached for good."""
    return f"/static/{path}?v={_asset_version(path)}"


TimeValue = datetime | str | None


def as_time(value: TimeValue) -> datetime | None:
    """A stored time (a datetime, or ISO text as model cards and JSON keep it) as an aware datetime.

    A time without an offset is UTC: that is how every time is stored (SQLite hands them back naive).
    """
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def local_time(value: TimeValue, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time shown in the users' zone (Beijing time): the one filter every page uses."""
    local = to_local(as_time(value))
    return local.strftime(fmt) if local else "—"


def short_time(value: TimeValue) -> str:
    """Month, day and time in the users' zone (the year when it is not this year)."""
    local = to_local(as_time(value))
    if local is None:
        return "—"
    now = to_local(utcnow())
    assert now is not None
    return local.strftime("%m-%d %H:%M" if local.year == now.year else "%Y-%m-%d %H:%M")


def iso_local(value: TimeValue) -> str:
    """ISO 8601 with the local offset, for <time datetime> and scripts."""
    local = to_local(as_time(value))
    return local.isoformat(timespec="seconds") if local else ""


def duration_text(seconds: float) -> str:
    """A duration in words: 2天3小时, 3小时20分, 15分钟."""
    seconds = abs(seconds)
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分" if mins else f"{hours}小时"
    return f"{max(mins, 1)}分钟"


def countdown(due: datetime | None, done_at: datetime | None = None) -> Markup:
    """A deadline as a <time> the page script keeps counting (剩余 / 已超期), or when it was met."""
    if due is None:
        return Markup('<span class="due none">无时限</span>')
    if done_at is not None:
        late = done_at > due
        label = f"超时 {duration_text((done_at - due).total_seconds())} 完成" if late else "按时完成"
        css = "late" if late else "met"
        return Markup('<span class="due {}" title="时限 {}">{}</span>').format(css, local_time(due), label)
    left = (due - utcnow()).total_seconds()
    if left < 0:
        css, text = "overdue", f"已超期 {duration_text(left)}"
    elif left < 2 * 3600:
        css, text = "soon", f"剩 {duration_text(left)}"
    else:
        css, text = "ok", f"剩 {duration_text(left)}"
    return Markup('<time class="due {}" data-due="{}" datetime="{}" title="时限 {}">{}</time>').format(
        css, iso_local(due), iso_local(due), local_time(due), text
    )


def provisional_mark(alert: Any, which: str | datetime | None) -> Markup:
    """暂定 beside a deadline not yet met that relied on a year without an official holiday arrangement.

    ``which`` is the deadline's name (``ack``, ``response``, ``close``) or its due time.
    """
    marks: dict[str, list[int]] = getattr(alert, "provisional_deadlines", None) or {}
    if not marks or which is None:
        return Markup("")
    names = [which] if isinstance(which, str) else [n for n, f in DUE_FIELDS.items() if getattr(alert, f) == which]
    years = sorted({int(y) for n in names if getattr(alert, MET_FIELDS[n]) is None for y in marks.get(n, [])})
    if not years:
        return Markup("")
    title = (
        f"{'、'.join(f'{y}年' for y in years)}官方放假安排尚未录入，此时限按暂定日历（法定节假日，不含调休）计算；"
        "录入后自动重新计算"
    )
    return Markup(' <span class="badge provisional" title="{}">暂定</span>').format(title)


def percent(value: float | None) -> str:
    """A rate as a whole percentage, or a dash when there is nothing to rate."""
    return "—" if value is None else f"{value * 100:.0f}%"


def hours(value: float | None) -> str:
    """Hours with one decimal, or a dash."""
    return "—" if value is None else f"{value:.1f}"


def json_script(value: Any, element_id: str) -> Markup:
    """Data for a page script, in a non-executable JSON block (safe inside HTML)."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup('<script type="application/json" id="{}">{}</script>').format(element_id, Markup(text))


# Set while a page is rendered for someone who asked to see the full personal data (and was logged).
_REVEAL: ContextVar[bool] = ContextVar("reveal_personal_data", default=False)


class _Typed(str):
    """Text the user has just typed, shown back in its form (masking it would garble what they resubmit)."""

    __slots__ = ()


def _own(value: str | None) -> str:
    """Mark a form value as the user's own input, printed unmasked."""
    return _Typed(value or "")


def _masked_output(value: Any) -> Any:
    """Every value a page prints goes through the masking policy, unless the page is a logged reveal."""
    if not isinstance(value, str) or isinstance(value, _Typed) or _REVEAL.get():
        return value
    if isinstance(value, Markup):
        # Markup is already escaped HTML; masking touches only digits and CJK letters, so it stays safe.
        return Markup(mask_text(str(value)))
    return mask_text(value)


def _person(value: str | None) -> str | None:
    """A person's name (a post's author, a requester), masked as a name unless the page is a logged reveal."""
    return value if _REVEAL.get() else mask_name(value)


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.finalize = _masked_output
templates.env.globals.update(
    STATUS_LABELS=STATUS_LABELS,
    CATEGORY_LABELS=CATEGORY_LABELS,
    ROLE_LABELS=ROLE_LABELS,
    ACTION_LABELS=ACTION_LABELS,
    TRANSITIONS=TRANSITIONS,
    RESPONSE_CHANNELS=RESPONSE_CHANNELS,
    SEVERITIES=SEVERITIES_SHOWN,
    NO_ROSTER_TEXT=NO_ROSTER_TEXT,
    static_url=static_url,
    countdown=countdown,
    provisional_mark=provisional_mark,
    json_script=json_script,
)
templates.env.filters.update(
    lookup=lambda key, mapping: mapping.get(key, key),
    local=local_time,
    short=short_time,
    iso=iso_local,
    percent=percent,
    hours=hours,
    duration=duration_text,
    highlight=highlight,
    person=_person,
    own=_own,
    # Only http(s) becomes a link: a stored javascript: or data: URL renders as nothing to click.
    weblink=web_link,
)


def _nav(user: User | SimpleNamespace | None) -> list[NavItem]:
    if user is None:
        return []
    section = getattr(getattr(user, "section", None), "code", None)
    return [item for item in NAV.get(Role(user.role), ()) if item.section is None or item.section == section]


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    user: User | SimpleNamespace | None = None,
    status_code: int = 200,
    active: str = "",
    reveal: bool = False,
) -> HTMLResponse:
    """Render a page with the signed-in user, navigation and CSRF token; personal data masked unless ``reveal``."""
    context = dict(context or {})
    if isinstance(user, User) and user.role == Role.admin and (session := object_session(user)) is not None:
        # The admin is told which holiday years to enter while open cases or the coming weeks need them.
        context.setdefault("calendar_missing", missing_years(session, today=utcnow().astimezone(local_zone()).date()))
    if isinstance(user, User) and (session := object_session(user)) is not None:
        context.setdefault("inbox_unread", unread_count(session, user=user))
    context.update(
        user=user,
        nav=_nav(user),
        active=active,
        csrf=csrf_token(request),
        flash=FLASH.get(request.query_params.get("done", ""), ""),
    )
    # The template is rendered inside this call, so the flag covers the page and every macro it uses.
    flag = _REVEAL.set(reveal)
    try:
        response = templates.TemplateResponse(request, name, context, status_code=status_code)
    finally:
        _REVEAL.reset(flag)
    set_csrf_cookie_if_new(request, response)
    return response
