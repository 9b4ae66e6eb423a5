"""Search sync jobs in the embedded mode: a burst of changes sends one job, not one per commit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.posts import store_post
from core.search.changes import SYNC_TASK, take_sync_request
from core.search.service import sync
from tests.jobs import queued_messages


def store(n: int) -> None:
    with session_scope() as session:
        store_post(session, url=f"https://example.org/post/{n}", title=f"第{n}条", content=f"养猪场排污第{n}次反映")


def test_commits_while_a_sync_job_waits_send_no_other_and_it_writes_them_all(queued_jobs: None) -> None:
    take_sync_request()  # as a sync job starting would: nothing is asked for yet
    before = queued_messages(SYNC_TASK)

    for n in range(5):
        store(n)

    assert queued_messages(SYNC_TASK) - before == 1
    assert sync() == 5  # the one job, when it runs, writes every post changed before it started
    store(5)  # that job has started: a change after it sends a new one
    assert queued_messages(SYNC_TASK) - before == 2
    assert sync() == 1


# The test topic has no task here, so its events are sent to the queue even though jobs run inline.
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_batch_whose_events_run_in_savepoints_reaches_the_index_once_it_commits(db: str) -> None:
    from sqlalchemy.orm import Session

    from core.models import Post
    from core.outbox import add_event, drained_topic
    from core.outbox_work import work_through
    from core.search.service import pending_count

    topic = drained_topic("tests.retitle")
    for n in range(3):
        store(n)
    with session_scope() as session:
        post_ids = list(session.scalars(select(Post.id)))
        for post_id in post_ids:
            add_event(session, topic=topic, payload={"post_id": post_id})

    def retitle(session: Session, payload: dict[str, Any]) -> None:
        post = session.get(Post, payload["post_id"])
        assert post is not None
        post.title = f"改过的标题 {post.id}"

    work_through(topic=topic, own=None, own_event_id=None, handle=retitle)  # each waiting event in a savepoint

    with session_scope() as session:
        assert pending_count(session) == 0  # synced after the commit, not at a savepoint before it
        assert session.scalar(select(Post.title).where(Post.id == post_ids[0])) == f"改过的标题 {post_ids[0]}"
