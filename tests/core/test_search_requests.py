"""Search sync jobs in the embedded mode: a burst of changes sends one job, not one per commit."""

from __future__ import annotations

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
