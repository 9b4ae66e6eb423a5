"""Notifications delivered to a real SMTP server and real HTTP receivers, with retries, limits and masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from alerts.notify.delivery import deliver
from alerts.notify.models import Delivery, InboxItem, Notification
from alerts.notify.service import save_preference
from core.db import session_scope
from core.models import User
from tests.alerts.helpers import add_channel
from tests.alerts.receivers import HttpReceiver, smtp_server
from tests.factories import make_alert, make_user

PHONE, ID_NUMBER = "13812345678", "110101199003071234"
SECRET = "SEC-test-secret"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from core.config import get_settings

    with smtp_server() as (port, mailbox):
        monkeypatch.setenv("MUQING_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MUQING_SMTP_PORT", str(port))
        monkeypatch.setenv("MUQING_SMTP_FROM", "muqing@district.example")
        monkeypatch.setenv("MUQING_PUBLIC_URL", "https://muqing.district.example")
        get_settings.cache_clear()
        yield mailbox
    get_settings.cache_clear()


def duty_with_email(address: str = "duty@district.example") -> int:
    user_id = make_user("duty", "duty")
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.email = address
    return user_id


def deliveries_of(alert_id: int) -> dict[str, Delivery]:
    with session_scope() as session:
        rows = session.scalars(
            select(Delivery).join(Notification).where(Notification.alert_id == alert_id).order_by(Delivery.id)
        )
        return {row.channel: row for row in rows}


def test_every_channel_is_delivered_with_numbers_masked(seeded: str, smtp: Any, receiver: HttpReceiver) -> None:
    duty = duty_with_email()
    add_channel("值班群（企业微信）", "wecom", {"url": f"{receiver.url}/wecom"})
    add_channel("值班群（钉钉）", "dingtalk", {"url": f"{receiver.url}/dingtalk?access_token=abc", "secret": SECRET})
    add_channel("12345 平台", "webhook", {"url": f"{receiver.url}/hook", "secret": SECRET})
    add_channel("办公室邮箱", "email", {"to": ["office@district.example"]})
    title = f"养猪场污水直排，请联系{PHONE}，身份证{ID_NUMBER}"
    alert_id = make_alert(title=title)

    sent = deliveries_of(alert_id)
    assert {k: v.status for k, v in sent.items()} == {
        "inapp": "sent",
        "email": "sent",
        "wecom": "sent",
        "dingtalk": "sent",
        "webhook": "sent",
    }
    # E-mail: to the duty officer and to the office list, subject in Chinese, numbers masked.
    assert sorted(rcpt for _, rcpts in smtp.envelopes for rcpt in rcpts) == [
        "duty@district.example",
        "office@district.example",
    ]
    mail = smtp.messages[0]
    assert mail["Subject"].startswith("【一般】新预警：养猪场污水直排")
    body = mail.get_content()
    assert f"https://muqing.district.example/alerts/{alert_id}" in body
    # WeCom robot: markdown.
    wecom = receiver.on("/wecom")[0].json()
    assert wecom["msgtype"] == "markdown" and "新预警" in wecom["markdown"]["content"]
    # DingTalk robot: signed with timestamp and HMAC-SHA256 of "timestamp\nsecret".
    ding = receiver.on("/dingtalk")[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding.path).query)
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{query['timestamp'][0]}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"][0] == expected and query["access_token"] == ["abc"]
    assert ding.json()["markdown"]["title"].startswith("【一般】新预警")
    # Generic webhook: HMAC-SHA256 over "timestamp.body".
    hook = receiver.on("/hook")[0]
    mac = hmac.new(SECRET.encode(), hook.headers["X-Muqing-Timestamp"].encode() + b"." + hook.body, hashlib.sha256)
    assert hook.headers["X-Muqing-Signature"] == f"sha256={mac.hexdigest()}"
    payload = hook.json()
    assert payload["event"] == "alert.new" and payload["alert"]["id"] == alert_id
    assert payload["alert"]["ack_due"].endswith("+08:00")
    assert hook.headers["X-Muqing-Delivery"] == str(payload["delivery_id"])
    # No phone or ID number anywhere; the masked forms are there.
    everything = [body, mail["Subject"], ding.body.decode(), hook.body.decode(), str(wecom)]
    for text in everything:
        assert PHONE not in text and ID_NUMBER not in text
    assert "138****5678" in hook.body.decode() and "1101**********1234" in body
    # In-app: the duty officer's inbox.
    with session_scope() as session:
        items = session.scalars(select(InboxItem).where(InboxItem.user_id == duty)).all()
        assert len(items) == 1 and PHONE not in items[0].notification.title


def test_a_failing_receiver_is_retried_until_it_recovers_and_blocks_nobody(seeded: str, receiver: HttpReceiver) -> None:
    make_user("duty", "duty")
    add_channel("平台", "webhook", {"url": f"{receiver.url}/hook", "secret": SECRET})
    add_channel("值班群", "wecom", {"url": f"{receiver.url}/wecom"})
    receiver.fail_next = 2  # the first request goes to whichever sends first; the receiver is shared
    alert_id = make_alert()
    first = deliveries_of(alert_id)
    failed = [d for d in first.values() if d.status == "retrying"]
    assert len(failed) == 2 or {d.status for d in first.values()} >= {"retrying", "sent"}
    for delivery in failed:
        assert delivery.attempts == 1 and delivery.last_error and "HTTP 500" in delivery.last_error
        assert delivery.next_attempt_at is not None
    # The scheduled retries run (here by hand): the receiver is back.
    for delivery in failed:
        assert deliver(delivery_id=delivery.id).status == "sent"
        assert deliver(delivery_id=delivery.id).status == "skipped"  # idempotent
    final = deliveries_of(alert_id)
    assert final["webhook"].status == final["wecom"].status == "sent"
    assert len(receiver.on("/hook")) == 1 and len(receiver.on("/wecom")) == 1
    with session_scope() as session:
        assert session.get(Notification, final["webhook"].notification_id) is not None


def test_a_receiver_that_stays_down_ends_failed_after_the_last_attempt(
    seeded: str, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import get_settings

    monkeypatch.setenv("MUQING_NOTIFY_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    make_user("duty", "duty")
    add_channel("平台", "webhook", {"url": f"{receiver.url}/hook"})
    receiver.fail_next = 100
    alert_id = make_alert()
    delivery = deliveries_of(alert_id)["webhook"]
    assert deliver(delivery_id=delivery.id).status == "retrying"
    outcome = deliver(delivery_id=delivery.id)
    assert outcome.status == "failed" and outcome.retry_in is None
    final = deliveries_of(alert_id)["webhook"]
    assert final.attempts == 3 and final.status == "failed" and "500" in (final.last_error or "")
    get_settings.cache_clear()


def test_a_wrong_robot_key_fails_at_once(seeded: str, receiver: HttpReceiver) -> None:
    make_user("duty", "duty")
    receiver.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    add_channel("值班群", "wecom", {"url": f"{receiver.url}/wecom"})
    alert_id = make_alert()
    delivery = deliveries_of(alert_id)["wecom"]
    assert delivery.status == "failed" and delivery.attempts == 1 and "93000" in (delivery.last_error or "")


def test_long_messages_respect_each_channels_limit(seeded: str, smtp: Any, receiver: HttpReceiver) -> None:
    from alerts.notify.channels import dingtalk, email, webhook, wecom
    from alerts.notify.channels.base import Message
    from tests.alerts.helpers import act

    duty_with_email()
    make_user("leader", "leader")
    add_channel("值班群", "wecom", {"url": f"{receiver.url}/wecom"})
    add_channel("钉钉群", "dingtalk", {"url": f"{receiver.url}/dingtalk"})
    alert_id = make_alert()
    act(alert_id, "leader", "escalate", note="请立即核查并回应群众关切。" * 800)
    content = receiver.on("/wecom")[-1].json()["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096 and content.endswith("请登录系统查看全文）")
    ding = receiver.on("/dingtalk")[-1].json()["markdown"]
    assert len(ding["text"].encode("utf-8")) <= 20000 and ding["text"].endswith("请登录系统查看全文）")
    huge = Message(delivery_id=1, kind="alert.new", title="标题" * 500, text="正文" * 200000, markdown="正文" * 200000)
    assert len(wecom.payload(huge)["markdown"]["content"].encode()) <= 4096
    assert len(dingtalk.payload(huge)["markdown"]["title"].encode()) <= 128
    assert len(webhook.body_of(huge)) <= 256 * 1024
    mail = email.build(huge, to=["a@b.example"], sender="m@b.example")
    assert len(mail["Subject"].encode()) <= 300 and len(mail.get_content().encode()) <= 100 * 1024 + 10


def test_preferences_per_user_and_per_section(seeded: str, receiver: HttpReceiver) -> None:
    duty = make_user("duty", "duty")
    staff = make_user("production-staff", "staff", "production")
    head = make_user("production-head", "head", "production")
    with session_scope() as session:
        save_preference(session, user_id=duty, channels=["inapp"], events=["alert.overdue"], min_severity=None)
        section_id = session.get(User, staff).section_id  # type: ignore[union-attr]
        save_preference(session, section_id=section_id, channels=["inapp"], events=[], min_severity="较大")
    production = add_channel("生产科群", "webhook", {"url": f"{receiver.url}/production"}, section_id=section_id)
    add_channel("重大专报", "webhook", {"url": f"{receiver.url}/major"}, min_severity="重大")
    assert production
    from tests.alerts.helpers import act

    ordinary = make_alert(severity="一般")
    act(ordinary, "duty", "acknowledge")
    act(ordinary, "duty", "assign")
    major = make_alert(severity="重大", title="某村大量生猪死亡")
    act(major, "duty", "acknowledge")
    act(major, "duty", "assign")
    with session_scope() as session:
        inbox = {
            user: [i.notification.kind for i in session.scalars(select(InboxItem).where(InboxItem.user_id == user))]
            for user in (duty, staff, head)
        }
    assert inbox[duty] == []  # only wants overdue notices
    assert inbox[staff] == inbox[head] == ["alert.assigned"]  # the section's default: 较大 and up
    assert {r.json()["alert"]["id"] for r in receiver.on("/major")} == {major}
    # The section's robot hears of its cases (routed there on arrival, then assigned).
    assert sorted(r.json()["event"] for r in receiver.on("/production")) == ["alert.assigned"] * 2 + ["alert.new"] * 2
