"""Grouping repeat complaints: same farm or place and category, or a near-duplicate, joins the open alert."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from alerts.cases.intake import raise_alert
from alerts.cases.models import Alert, AlertEvent
from alerts.cases.service import save_setting
from alerts.sweep import sweep
from core.db import session_scope
from core.models import Post
from core.timeutil import utcnow
from tests.alerts.helpers import FARM, analysed_post


def raise_(post_id: int) -> Alert:
    with session_scope() as session:
        alert = raise_alert(session, post_id=post_id)
        assert alert is not None
        session.refresh(alert)
        list(alert.events)
        return alert


# A working Tuesday morning: raised before a holiday, the 48 h close would take the later sign-for's due time.
@time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)
def test_the_same_farm_joins_and_a_third_post_raises_the_case(seeded: str) -> None:
    first = raise_(analysed_post("兴旺养殖场臭气熏天", "柳河镇前进村兴旺生猪养殖场粪污直排，臭味很大。", entities=FARM))
    second = raise_(
        analysed_post("又是兴旺养猪场", "前进村的兴旺养殖场今天又在排污水，群众反映多次了。", entities=FARM)
    )
    assert second.id == first.id and second.post_count == 2 and second.heat > first.heat
    assert second.severity == "一般"
    join = next(e for e in second.events if e.action == "join")
    assert join.actor_id is None and "兴旺" in "".join(join.data["reasons"]) + join.note
    third = raise_(
        analysed_post("兴旺养殖场污染问题", "柳河镇兴旺生猪养殖场的污水流进了河里，鱼都死了。", entities=FARM)
    )
    assert third.id == first.id and third.post_count == 3 and third.severity == "较大"
    raised = [e for e in third.events if e.action == "set_severity"][-1]
    assert raised.actor_id is None and "3条帖子" in raised.note and raised.data["to"] == "较大"
    # Deadlines follow the new severity: 48 calendar hours to close from the opening.
    assert third.close_due == third.opened_at + timedelta(hours=48)


def test_other_matters_open_their_own_alerts(seeded: str) -> None:
    first = raise_(analysed_post("兴旺养殖场臭气", "柳河镇前进村兴旺生猪养殖场粪污直排。", entities=FARM))
    other_category = raise_(
        analysed_post("兴旺养殖场私屠滥宰", "兴旺生猪养殖场夜里私自屠宰生猪。", category="slaughter", entities=FARM)
    )
    elsewhere = raise_(
        analysed_post(
            "白沙镇鸡场苍蝇多",
            "白沙镇东湖村一家养鸡场苍蝇成群。",
            entities={"places": ["白沙镇", "东湖村"], "towns": ["白沙镇"], "organisations": ["东湖养鸡场"]},
        )
    )
    assert len({first.id, other_category.id, elsewhere.id}) == 3


def test_a_repost_joins_even_without_entities(seeded: str) -> None:
    text = "紧急扩散！青禾区某村大量死猪被扔进河里，政府管不管？请大家转发让更多人看到！"
    first = raise_(analysed_post("死猪扔进河里", text, category="epidemic"))
    again = raise_(analysed_post("转发：死猪扔进河里", text + "//转发", category="epidemic"))
    assert again.id == first.id


def test_only_open_alerts_within_the_window_collect_posts(seeded: str) -> None:
    first = raise_(analysed_post("兴旺养殖场臭气", "柳河镇前进村兴旺生猪养殖场粪污直排。", entities=FARM))
    with session_scope() as session:
        alert = session.get(Alert, first.id)
        assert alert is not None
        alert.opened_at = utcnow() - timedelta(days=8)
    late = raise_(analysed_post("兴旺养殖场又臭了", "兴旺生猪养殖场粪污直排，臭气熏天。", entities=FARM))
    assert late.id != first.id
    with session_scope() as session:
        alert = session.get(Alert, late.id)
        assert alert is not None
        alert.status = "closed"
    after_close = raise_(analysed_post("兴旺养殖场还在排污", "兴旺生猪养殖场还在排污。", entities=FARM))
    assert after_close.id not in (first.id, late.id)


def test_grouping_can_be_switched_off(seeded: str) -> None:
    with session_scope() as session:
        save_setting(session, key="grouping", value={"enabled": False})
    first = raise_(analysed_post("兴旺养殖场臭气", "柳河镇前进村兴旺生猪养殖场粪污直排。", entities=FARM))
    second = raise_(analysed_post("兴旺养殖场臭气", "柳河镇前进村兴旺生猪养殖场粪污直排。", entities=FARM))
    assert first.id != second.id


def test_fast_growing_reposts_raise_the_case(seeded: str) -> None:
    post_id = analysed_post("死猪乱扔无人管", "某村河边扔了好多死猪。", category="epidemic", reposts=20)
    alert = raise_(post_id)
    with session_scope() as session:
        sweep(session)
        assert session.get(Alert, alert.id).severity == "一般"  # type: ignore[union-attr]
        session.get(Post, post_id).reposts = 180  # type: ignore[union-attr]
    with session_scope() as session:
        sweep(session)
        raised = session.get(Alert, alert.id)
        assert raised is not None and raised.severity == "较大"
        event = session.scalar(
            select(AlertEvent).where(AlertEvent.alert_id == alert.id, AlertEvent.action == "set_severity")
        )
        assert event is not None and "转发量" in event.note and "160" in event.note
