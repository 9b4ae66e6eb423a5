"""The index follows the database through the search outbox, and is rebuilt without downtime: both stacks."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from core.db import session_scope
from core.models import Post, SearchOutbox
from core.search.base import SearchQuery
from core.search.service import get_backend, pending_count, reindex, search, sync
from tests.scale.conftest import Stack
from tests.scale.corpus import EXAMPLES, load, store_unanalysed


def found(text: str = "", **filters: tuple[str, ...]) -> set[int]:
    page = search(query=SearchQuery(text=text, filters=dict(filters), limit=100))
    return {hit.post_id for hit in page.hits}


def test_a_case_moved_to_another_section_is_found_under_the_new_section(stack: Stack) -> None:
    from alerts.cases.models import Alert
    from core.models import Section

    loaded = load(EXAMPLES[:2])
    post_id = loaded.ids["manure"]
    alert_id = loaded.alert["manure"]
    with session_scope() as session:
        quality = session.scalar(select(Section).where(Section.code == "quality"))
        assert quality is not None
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.section_id != quality.id
        alert.section_id = quality.id
    assert post_id in found(section=("quality",))
    assert post_id not in found(section=(loaded.section["manure"] or "",))


def test_an_edited_post_is_found_by_its_new_words_and_shown_with_its_new_title(stack: Stack) -> None:
    loaded = load(EXAMPLES[:1])
    with session_scope() as session:
        post = session.get(Post, loaded.ids["manure"])
        assert post is not None
        post.title = "鸭棚污水问题"
    assert found("鸭棚") == {loaded.ids["manure"]}
    page = search(query=SearchQuery(text="河沟"))
    assert [hit.title for hit in page.hits] == ["鸭棚污水问题"]


def test_a_deleted_post_leaves_the_index(stack: Stack) -> None:
    from core.search.changes import mark_changed

    loaded = load(EXAMPLES[:3])
    with session_scope() as session:
        post = session.get(Post, loaded.ids["odour"])
        session.delete(post)
    assert found("养猪场") == {loaded.ids["manure"]}
    # A bulk statement bypasses change tracking and says what it changed.
    with session_scope() as session:
        session.execute(delete(Post).where(Post.id == loaded.ids["manure"]))
        mark_changed(session, post_ids=[loaded.ids["manure"]])
    assert found("养猪场") == set()
    assert found() == {loaded.ids["vaccination"]}


def test_the_search_outbox_row_shares_the_fate_of_its_transaction(stack: Stack) -> None:
    with pytest.raises(RuntimeError), session_scope() as session:
        store_unanalysed(session, url="https://example.org/x", title="养猪场扰民", content="夜里臭味很大")
        raise RuntimeError("the request failed after the post was written")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
        assert session.scalar(select(func.count()).select_from(Post)) == 0
    assert found("养猪场") == set()


def test_reindex_builds_a_new_index_and_swaps_it_in(stack: Stack) -> None:
    loaded = load()
    backend = get_backend()
    before = backend.live_index()
    answer = found("养猪场")
    report = reindex(batch_size=3)
    assert report.documents == len(EXAMPLES)
    assert report.previous == before and report.index != before
    assert backend.live_index() == report.index
    assert found("养猪场") == answer == {loaded.ids[key] for key in ("manure", "odour", "upgrade")}
    assert backend.count() == len(EXAMPLES)


def test_searches_and_writes_go_on_while_the_index_is_rebuilt(stack: Stack) -> None:
    from core.search.documents import load_documents, tokenise

    loaded = load(EXAMPLES[:3])
    backend = get_backend()
    old = backend.live_index()
    with session_scope() as session:
        stale = load_documents(session, post_ids=loaded.ids.values())  # read before the edit below
    tokenise(stale.values())

    new = backend.begin_rebuild()
    # While the new index fills, searches read the old one, and live writes reach both.
    assert found("养猪场") == {loaded.ids["manure"], loaded.ids["odour"]}
    with session_scope() as session:
        post = session.get(Post, loaded.ids["manure"])
        assert post is not None
        post.title = "村东鸭棚污水直排河沟"
        added = store_unanalysed(session, url="https://example.org/new", title="养猪场又在夜里排污", content="臭味很大")
    # The rebuild's copy of the edited post was read before the edit: it must not overwrite the newer one.
    backend.write_rebuild(new, list(stale.values()))
    assert backend.live_index() == old
    backend.finish_rebuild(new)

    assert backend.live_index() == new
    assert found("养猪场") == {loaded.ids["manure"], loaded.ids["odour"], added}
    assert found("鸭棚") == {loaded.ids["manure"]}
    with session_scope() as session:
        assert pending_count(session) == 0


def test_a_change_waiting_in_the_search_outbox_is_written_by_the_next_sync(stack: Stack) -> None:
    loaded = load(EXAMPLES[:1])
    with session_scope() as session:
        session.add(SearchOutbox(post_id=loaded.ids["manure"]))
        assert pending_count(session) == 1
    assert sync() == 1
    with session_scope() as session:
        assert pending_count(session) == 0
