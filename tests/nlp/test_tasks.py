"""The analysis job: a burst of stored posts is analysed with the model run outside the storing transaction."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.db import session_scope
from core.models import Analysis, OutboxEvent, Post
from core.posts import ANALYZE_TOPIC, PostIn, store_many
from nlp.analyze import AnalysisResult, analyze
from nlp.models import Feedback
from nlp.schemas import FeedbackIn, FeedbackKind
from nlp.service import record_feedback
from nlp.tasks import analyse_burst

EDITED = "乡村集市活禽交易点无人消毒"
TEXTS = ["村东养猪场粪水直排河沟", "镇上私屠滥宰的肉流入菜市场", "鸡场附近苍蝇成群，晚上臭味熏人"]


def stored_burst() -> list[tuple[int, int]]:
    """Posts stored the way a crawl stores them; (post id, its analysis event id) for each."""
    with session_scope() as session:
        posts = [PostIn(url=None, title=text, content=f"{text}，请尽快处理。") for text in TEXTS]
        outcomes = store_many(session, posts=posts)
    post_ids = [post_id for _outcome, post_id in outcomes if post_id is not None]
    with session_scope() as session:
        events = session.execute(select(OutboxEvent.id, OutboxEvent.payload).where(OutboxEvent.topic == ANALYZE_TOPIC))
        by_post = {int(payload["post_id"]): event_id for event_id, payload in events}
    return [(post_id, by_post[post_id]) for post_id in post_ids]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_correction_saved_while_a_burst_is_being_analysed_does_not_wait_for_the_model(
    trained_model: str, queued_jobs: None
) -> None:
    burst = stored_burst()
    (first, first_event), *_ = burst
    saved = threading.Event()
    failures: list[BaseException] = []

    def save_correction() -> None:
        # Another connection, as a section's staff saving a correction on the feedback page would use.
        try:
            with session_scope() as session:
                record_feedback(session, data=FeedbackIn(kind=FeedbackKind.not_relevant, post_id=first), user=None)
            saved.set()
        except BaseException as exc:
            failures.append(exc)

    writer = threading.Thread(target=save_correction)
    waited: list[bool] = []

    def slow_model(*, title: str, text: str) -> AnalysisResult:
        # The model is slow on a busy machine: the correction, made meanwhile, is stored before it finishes.
        if not waited:
            writer.start()
            waited.append(saved.wait(timeout=20))
        return analyze(title=title, text=text)

    taken = analyse_burst(post_id=first, own_event_id=first_event, analyser=slow_model)
    writer.join()

    assert failures == []
    assert waited == [True]
    assert taken == len(burst) - 1
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 1
        analysed = set(session.scalars(select(Analysis.post_id)))
    assert analysed == {post_id for post_id, _event in burst}


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_post_edited_after_it_was_analysed_ahead_is_analysed_again_as_stored(
    trained_model: str, queued_jobs: None
) -> None:
    (first, first_event), *_ = stored_burst()
    seen: list[str] = []

    def model_that_sees_an_edit(*, title: str, text: str) -> AnalysisResult:
        seen.append(title)
        if len(seen) == 1:
            with session_scope() as session:
                post = session.get(Post, first)
                assert post is not None
                post.title = EDITED
        return analyze(title=title, text=text)

    analyse_burst(post_id=first, own_event_id=first_event, analyser=model_that_sees_an_edit)

    with session_scope() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.post_id == first))
    assert analysis is not None
    # The stored analysis is that of the text as stored, not of the text the model saw ahead.
    assert seen[0] == TEXTS[0]
    assert analysis.reasons == analyze(title=EDITED, text=f"{TEXTS[0]}，请尽快处理。").reasons
