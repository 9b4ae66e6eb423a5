"""A burst of posts is raised and delivered by a few jobs, each taking on the work queued behind it.

The job that raises a burst sends its notifications too, without a trip through the queue.

The outcome must be what one job per post would give: the same grouping, one notification per post, every
delivery attempted once, and a failing channel holding back nothing (the rest go to jobs of their own).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from alerts.cases.intake import raise_alert as raise_alert_flow
from alerts.cases.models import Alert, AlertPost
from alerts.notify.models import Delivery
from alerts.notify.service import DELIVER_TOPIC
from alerts.tasks import RAISE_TOPIC
from alerts.tasks import deliver as deliver_job
from alerts.tasks import raise_alert as raise_job
from core.db import session_scope
from core.models import OutboxEvent
from core.outbox import add_event
from tests.alerts.helpers import FARM, add_channel, analysed_post
from tests.alerts.receivers import HttpReceiver
from tests.factories import make_user
from tests.jobs import queued_messages

BURST_EVENTS = ["alert.new", "alert.joined"]
OTHER_FARM = {"places": ["石桥镇", "新庄村"], "towns": ["石桥镇"], "organisations": ["金穗蛋鸡场"]}


def queue_raising(post_ids: list[int]) -> list[int]:
    """Queue the raising of each post, as the analysis does; returns the outbox events."""
    with session_scope() as session:
        events = [add_event(session, topic=RAISE_TOPIC, payload={"post_id": post_id}) for post_id in post_ids]
        session.flush()
        return [event.id for event in events]


def events(ids: list[int]) -> list[OutboxEvent]:
    with session_scope() as session:
        return list(session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(ids)).order_by(OutboxEvent.id)))


def alert_of(post_id: int) -> Alert:
    with session_scope() as session:
        alert_id = session.scalar(select(AlertPost.alert_id).where(AlertPost.post_id == post_id))
        alert = session.get(Alert, alert_id) if alert_id is not None else None
        assert alert is not None, f"post {post_id} is in no alert"
        return alert


def deliveries(channel: str) -> list[Delivery]:
    with session_scope() as session:
        return list(session.scalars(select(Delivery).where(Delivery.channel == channel).order_by(Delivery.id)))


def test_one_job_raises_a_whole_burst_grouped_as_one_post_at_a_time_would_be(seeded: str, queued_jobs: None) -> None:
    farm = [
        analysed_post(f"兴旺生猪养殖场又在排污（第{n}次反映）", f"柳河镇前进村兴旺养殖场粪水直排第{n}天", entities=FARM)
        for n in (1, 2, 3)
    ]
    other = analysed_post(
        "金穗蛋鸡场鸡粪乱堆", "石桥镇新庄村金穗蛋鸡场鸡粪堆在路边，下雨就流进田里", entities=OTHER_FARM
    )
    queued = queue_raising([*farm, other])

    raise_job(post_id=farm[0])  # the job sent for the first post; the others wait behind it

    assert all(event.completed_at is not None for event in events(queued))
    first = alert_of(farm[0])
    assert [alert_of(post_id).id for post_id in farm] == [first.id] * 3
    assert first.post_count == 3 and first.severity == "较大"  # the third post on the same farm raised it
    assert alert_of(other).id != first.id
    for post_id in [*farm[1:], other]:  # the jobs of the posts taken on earlier find nothing left to do
        raise_job(post_id=post_id)
    with session_scope() as session:
        assert len(session.scalars(select(Alert)).all()) == 2
        assert len(session.scalars(select(AlertPost)).all()) == 4


def test_a_post_that_fails_in_a_burst_goes_to_a_job_of_its_own_and_the_rest_are_raised(
    seeded: str, queued_jobs: None
) -> None:
    good = analysed_post("兴旺生猪养殖场排污", "柳河镇前进村兴旺养殖场粪水直排进河沟", entities=FARM)
    later = analysed_post("金穗蛋鸡场鸡粪乱堆", "石桥镇新庄村金穗蛋鸡场鸡粪堆在路边", entities=OTHER_FARM)
    queued = queue_raising([good, 987654, later])  # a post that does not exist (deleted meanwhile)

    raise_job(post_id=good)

    done, missing, rest = events(queued)
    assert done.completed_at is not None and rest.completed_at is not None
    assert alert_of(later).id != alert_of(good).id
    assert missing.completed_at is None and "987654" in (missing.last_error or "")
    # Sent again at once, in a job of its own (it was first sent as part of the burst), which reports the error.
    assert missing.attempts == 2 and missing.dispatched_at is not None
    from core.errors import NotFound

    with pytest.raises(NotFound):
        raise_job(post_id=987654)


def test_the_job_raising_a_burst_delivers_it_too_and_a_failing_channel_holds_back_nobody(
    seeded: str, queued_jobs: None, receiver: HttpReceiver
) -> None:
    make_user("duty", "duty")
    add_channel("平台", "webhook", {"url": f"{receiver.url}/hook", "secret": "s"}, events=BURST_EVENTS)
    farms = [
        analysed_post(f"第{n}家养猪场排污", f"第{n}个村的养猪场把粪水排进河里", entities={"places": [f"{n}号村"]})
        for n in range(1, 5)
    ]
    queue_raising(farms)
    sent_before = queued_messages(DELIVER_TOPIC)

    raise_job(post_id=farms[0])  # raises all four, then sends their webhooks itself

    assert len(receiver.on("/hook")) == 4
    assert {(d.status, d.attempts) for d in deliveries("webhook")} == {("sent", 1)}
    assert queued_messages(DELIVER_TOPIC) == sent_before  # no delivery job went through the queue
    with session_scope() as session:
        waiting = session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == DELIVER_TOPIC, OutboxEvent.completed_at.is_(None))
        ).all()
        assert waiting == []

    # Now a second channel that refuses connections, next to the working one.
    add_channel("坏掉的群", "wecom", {"url": "http://127.0.0.1:9/robot"}, events=BURST_EVENTS)
    more = [
        analysed_post(f"第{n}家鸡场鸡粪乱堆", f"第{n}个镇的鸡场鸡粪堆在路边", entities={"places": [f"{n}号镇"]})
        for n in range(5, 8)
    ]
    queue_raising(more)

    raise_job(post_id=more[0])

    wecom = deliveries("wecom")
    assert len(wecom) == 3 and len(deliveries("webhook")) == 7
    tried = [d for d in wecom if d.attempts == 1]
    assert len(tried) == 1 and tried[0].status == "retrying" and tried[0].next_attempt_at is not None
    # Whatever was queued behind the failure went back to the relay, untried, each in a job of its own.
    untried = [d for d in [*wecom, *deliveries("webhook")] if d.status == "pending"]
    assert untried and all(d.attempts == 0 for d in untried)
    assert queued_messages(DELIVER_TOPIC) - sent_before == len(untried) + 1  # and the failure's own retry
    for delivery in untried:
        deliver_job(delivery_id=delivery.id)
    assert len(receiver.on("/hook")) == 7  # every webhook arrived, once
    assert {d.status for d in deliveries("webhook")} == {"sent"}
    assert {d.status for d in deliveries("wecom")} == {"retrying"}  # each failure has its own retry


def test_one_delivery_job_sends_the_deliveries_queued_behind_it(
    seeded: str, queued_jobs: None, receiver: HttpReceiver
) -> None:
    add_channel("平台", "webhook", {"url": f"{receiver.url}/hook", "secret": "s"}, events=BURST_EVENTS)
    farms = [
        analysed_post(f"第{n}家养猪场排污", f"第{n}个村的养猪场把粪水排进河里", entities={"places": [f"{n}号村"]})
        for n in range(1, 4)
    ]
    for post_id in farms:  # raised one at a time elsewhere (say, from the API): their deliveries are queued
        with session_scope() as session:
            raise_alert_flow(session, post_id=post_id)
    hooks = deliveries("webhook")
    assert len(hooks) == 3 and {d.status for d in hooks} == {"pending"}

    assert deliver_job(delivery_id=hooks[0].id) == "sent"

    assert len(receiver.on("/hook")) == 3
    assert {(d.status, d.attempts) for d in deliveries("webhook")} == {("sent", 1)}


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_again_by_the_sweep(
    seeded: str, queued_jobs: None, receiver: HttpReceiver
) -> None:
    from datetime import timedelta

    from alerts.notify.delivery import CLAIM_EXPIRES, due_retries
    from core.timeutil import utcnow

    add_channel("平台", "webhook", {"url": f"{receiver.url}/hook", "secret": "s"}, events=BURST_EVENTS)
    farm = analysed_post("兴旺生猪养殖场排污", "柳河镇前进村兴旺养殖场粪水直排进河沟", entities=FARM)
    with session_scope() as session:
        raise_alert_flow(session, post_id=farm)
    (hook,) = deliveries("webhook")
    with session_scope() as session:  # taken by a batch, whose worker then died before sending it
        row = session.get(Delivery, hook.id)
        assert row is not None
        row.status, row.claimed_at, row.attempts = "sending", utcnow() - CLAIM_EXPIRES - timedelta(minutes=1), 1
    assert hook.id in due_retries()
    assert deliver_job(delivery_id=hook.id) == "sent"
    assert len(receiver.on("/hook")) == 1 and hook.id not in due_retries()
