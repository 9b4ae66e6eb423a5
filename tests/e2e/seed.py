"""Cases in every stage, so each page has something to show (written through the real flows)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from alerts.cases.flows import transition
from alerts.cases.models import Alert
from alerts.cases.schemas import ResponseInput
from core.db import session_scope
from core.models import Section, Source, User
from core.service import ensure_source
from core.timeutil import utcnow
from tests.factories import make_alert

CASES = (
    ("柳河镇前进村养猪场粪水直排河沟，臭味很大", "pollution", "较大", ()),
    ("石桥镇路边发现多头死猪，怀疑有猪瘟", "epidemic", "重大", ("acknowledge",)),
    ("菜市场猪肉没有检疫章，是不是私宰肉", "product_safety", "一般", ("acknowledge", "assign")),
    ("能繁母猪补贴今年什么时候发放", "policy", "一般", ("acknowledge", "assign", "start")),
    ("龙泉镇有人在家里私自屠宰生猪出售", "slaughter", "较大", ("acknowledge", "assign", "start", "respond")),
    ("双塘镇养鸡场鸡粪乱堆，苍蝇太多", "pollution", "一般", ("acknowledge", "assign", "start", "respond", "close")),
    ("中心工作人员办事态度差，电话一直没人接", "conduct", "一般", ("acknowledge", "dismiss")),
)


def _actor(session: object, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))  # type: ignore[attr-defined]
    assert user is not None
    return user


def seed_cases() -> None:
    """Raise each case and walk it to its stage; back-date two so the figures have history."""
    for index, (title, category, severity, steps) in enumerate(CASES):
        alert_id = make_alert(
            title=title, category=category, severity=severity, url=f"https://bbs.example.cn/t/{index}"
        )
        with session_scope() as session:
            alert = session.get(Alert, alert_id)
            assert alert is not None
            code = alert.section.code if alert.section else "office"
            for step in steps:
                actor = {
                    "acknowledge": "duty",
                    "assign": "duty",
                    "dismiss": "duty",
                    "start": f"{code}-staff",
                    "respond": f"{code}-staff",
                    "close": f"{code}-head",
                }[step]
                transition(
                    session,
                    alert=alert,
                    actor=_actor(session, actor),
                    action=step,
                    note="与本中心职责无关，已告知来电人拨打 12345" if step == "dismiss" else "",
                    response=ResponseInput(
                        content="经核查，已责令养殖场清理粪污并整改，将持续跟踪。", channel="board_reply"
                    )
                    if step == "respond"
                    else None,
                )
    with session_scope() as session:
        # An older case, closed late, so last weeks' figures are not empty.
        old = session.scalar(select(Alert).where(Alert.title.like("双塘镇%")))
        if old is not None:
            shift = timedelta(days=9)
            for name in ("opened_at", "ack_due", "response_due", "close_due", "acknowledged_at", "assigned_at"):
                value = getattr(old, name)
                if value is not None:
                    setattr(old, name, value - shift)
        now = utcnow()
        healthy = ensure_source(session, name="qinghe-board", kind="list_detail", config={}, title="青禾区民生留言板")
        healthy.last_success_at = healthy.last_crawl_at = now - timedelta(minutes=20)
        blind = ensure_source(session, name="county-news", kind="article", config={}, title="青禾新闻网")
        blind.created_at = now - timedelta(days=2)
        blind.consecutive_failures = 4
        blind.last_crawl_at = now - timedelta(minutes=30)
        session.flush()
        assert session.scalar(select(Section).limit(1)) is not None
        session.add(Source(name="wechat-groups", kind="rss", title="乡镇公众号", config={}, enabled=False))
