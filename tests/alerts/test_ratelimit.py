"""Robots within their limits: 20 messages a minute, in order, a burst merged into a digest, nothing dropped.

A real HTTP receiver stands in for the robot; the clock is pinned and moved by hand (time-machine).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from alerts.notify.delivery import deliver, deliver_all_waiting, due_retries
from alerts.notify.models import Delivery
from core.db import session_scope
from tests.alerts.helpers import add_channel, analysed_post
from tests.alerts.receivers import HttpReceiver
from tests.conftest import Login
from tests.factories import make_user

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai
EVENTS = ["alert.new"]


VILLAGES = (
    "东湖",
    "西山",
    "南岭",
    "北塘",
    "前进",
    "红星",
    "柳河",
    "杨庄",
    "李家",
    "石桥",
    "青松",
    "白沙",
    "金田",
    "长岗",
    "新华",
    "双塘",
    "马坊",
    "枣林",
    "高桥",
    "龙泉",
    "桃园",
    "梅岭",
    "荷塘",
    "松林",
    "竹溪",
)
TROUBLES = ("粪水直排河道", "臭气熏天", "病死猪乱扔", "夜间噪音扰民", "苍蝇成群")


def _burst(count: int) -> None:
    """``count`` unrelated cases, numbered in their titles: each one a new alert, none grouped with another."""
    from alerts.cases.intake import raise_alert

    for n in range(1, count + 1):
        village, trouble = VILLAGES[n - 1], TROUBLES[n % len(TROUBLES)]
        post_id = analysed_post(
            f"第{n}号：{village}村养殖场{trouble}",
            f"{village}村村民反映，村口养殖场{trouble}，已经持续{n + 2}天，希望{village}村委会和有关部门尽快处理。",
            entities={"places": [f"{village}村"]},
        )
        with session_scope() as session:
            raise_alert(session, post_id=post_id)


def _robot(receiver: HttpReceiver) -> list[str]:
    """The Markdown of each message the robot received (钉钉 calls it text, 企业微信 content)."""
    bodies = [request.json()["markdown"] for request in receiver.on("/robot")]
    return [body.get("text") or body["content"] for body in bodies]


def _rows(channel: str = "wecom") -> list[Delivery]:
    with session_scope() as session:
        return list(session.scalars(select(Delivery).where(Delivery.channel == channel).order_by(Delivery.id)))


def test_a_burst_past_the_limit_waits_for_the_next_minute_and_goes_out_as_one_digest(
    seeded: str, receiver: HttpReceiver, client: TestClient, login: Login
) -> None:
    make_user("duty", "duty")
    add_channel("值班群（企业微信）", "wecom", {"url": f"{receiver.url}/robot"}, events=EVENTS)
    with time_machine.travel(T0, tick=False) as clock:
        _burst(25)  # each alert is delivered as it is raised (jobs run inline here)
        messages = _robot(receiver)
        assert len(messages) == 20  # the robot's limit, never more in a minute
        assert [int(m.split("第")[1].split("号")[0]) for m in messages] == list(range(1, 21))  # in order
        held = [row for row in _rows() if row.status == "retrying"]
        assert len(held) == 5 and all(row.attempts == 0 for row in held)  # waiting costs no attempt
        assert all((row.last_error or "").startswith("频率限制") for row in held)
        assert {row.next_attempt_at for row in held} == {T0 + timedelta(minutes=1)}

        clock.move_to(T0 + timedelta(seconds=59))
        assert due_retries() == []  # nothing goes out before a slot is free
        assert len(_robot(receiver)) == 20

        clock.move_to(T0 + timedelta(seconds=95))  # what the sweep does once the slot is free
        for delivery_id in due_retries():
            deliver(delivery_id=delivery_id)

    messages = _robot(receiver)
    assert len(messages) == 21
    digest = messages[-1]
    assert "汇总：5 条" in digest
    listed = [int(line.split("第")[1].split("号")[0]) for line in digest.splitlines() if line[:1].isdigit()]
    assert listed == [21, 22, 23, 24, 25]  # every held message, in order, none dropped
    rows = _rows()
    carrier = next(row for row in rows if row.status == "sent" and row.id == held[0].id)
    merged = [row for row in rows if row.status == "merged"]
    assert sorted(row.id for row in merged) == [row.id for row in held[1:]]
    assert {row.merged_into_id for row in merged} == {carrier.id}

    log = client.get("/api/notifications/deliveries", headers=login("duty"), params={"channel": "wecom"}).json()
    by_id = {item["id"]: item for item in log["items"]}
    assert by_id[carrier.id]["merged_ids"] == [row.id for row in held[1:]]
    assert all(by_id[row.id]["status"] == "merged" and by_id[row.id]["merged_into_id"] == carrier.id for row in merged)


def test_a_queued_burst_uses_the_last_free_slot_for_a_digest_of_the_rest(
    seeded: str, queued_jobs: None, receiver: HttpReceiver
) -> None:
    """A worker sending a queued burst: 19 messages, then one digest of the other 6, all in the same minute."""
    add_channel("值班群（钉钉）", "dingtalk", {"url": f"{receiver.url}/robot"}, events=EVENTS)
    with time_machine.travel(T0, tick=False):
        _burst(25)
        assert {row.status for row in _rows("dingtalk")} == {"pending"}
        deliver_all_waiting()
    messages = _robot(receiver)
    assert len(messages) == 20
    assert "汇总：6 条" in messages[-1]
    listed = [int(line.split("第")[1].split("号")[0]) for line in messages[-1].splitlines() if line[:1].isdigit()]
    assert listed == [20, 21, 22, 23, 24, 25]
    statuses = [row.status for row in _rows("dingtalk")]
    assert statuses == ["sent"] * 20 + ["merged"] * 5


def test_the_limit_is_configurable_per_channel(
    seeded: str, receiver: HttpReceiver, client: TestClient, login: Login
) -> None:
    make_user("admin", "admin")
    admin = login("admin")
    slow = {"name": "慢速群", "kind": "wecom", "config": {"url": f"{receiver.url}/robot", "rate_per_minute": 3}}
    slow["events"] = EVENTS
    assert client.post("/api/notifications/channels", headers=admin, json=slow).status_code == 201
    bad = {**slow, "name": "坏配置", "config": {"url": f"{receiver.url}/robot", "rate_per_minute": 0}}
    refused = client.post("/api/notifications/channels", headers=admin, json=bad)
    assert refused.status_code == 422 and refused.json()["details"]["field"] == "config.rate_per_minute"
    with time_machine.travel(T0, tick=False):
        _burst(5)
    assert len(_robot(receiver)) == 3


@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
def test_post_text_cannot_fake_markdown_in_a_robot_message(seeded: str, receiver: HttpReceiver, kind: str) -> None:
    make_user("duty", "duty")
    add_channel("群", kind, {"url": f"{receiver.url}/robot"}, events=EVENTS)
    from alerts.cases.intake import raise_alert

    post_id = analysed_post(
        "养猪场排污](http://evil.example/login)",
        "粪水直排\n# 紧急通知：系统升级\n请点击[重新登录](http://evil.example/login)"
        " ![x](http://evil.example/a.png)\n> 值班领导：立即处理",
    )
    with time_machine.travel(T0, tick=False), session_scope() as session:
        raise_alert(session, post_id=post_id)
    text = _robot(receiver)[0]
    assert "http://evil.example" not in text and "](" not in text and "![" not in text
    assert not any(line.startswith(("#", ">")) and "紧急通知" in line for line in text.splitlines())
    assert not any(line.startswith("> 值班领导") for line in text.splitlines())
    assert text.startswith("### ")  # our own heading is still there
    assert json.dumps(text, ensure_ascii=False).count("**") >= 2  # and our own emphasis
