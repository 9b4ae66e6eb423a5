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


def test_a_post_typed_in_traditional_characters_is_found_by_simplified_words_and_marked_as_typed(
    stack: Stack,
) -> None:
    loaded = load(EXAMPLES[:1])
    with session_scope() as session:
        post = session.get(Post, loaded.ids["manure"])
        assert post is not None
        post.title = "鴨棚污水問題"
        post.content = "村東頭的鴨棚每天夜裡把糞水排進河溝，請儘快查處。"
    assert found("鸭棚 粪水") == {loaded.ids["manure"]}
    assert found("鴨棚") == {loaded.ids["manure"]}, "a traditional query finds it too"
    assert found("溝") == {loaded.ids["manure"]}, "a single character, through the character fields"
    (hit,) = search(query=SearchQuery(text="鸭棚 粪水")).hits
    assert hit.title_html == "<mark>鴨棚</mark>污水問題"
    assert "<mark>糞水</mark>" in hit.snippet_html


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


def _old_index(backend: object) -> str:
    """A live index as the first schema made it: word fields only, no character fields."""
    import copy
    import sqlite3
    from contextlib import closing

    from core.search import elastic, fts5

    if isinstance(backend, elastic.ElasticsearchBackend):
        mappings = copy.deepcopy(elastic.MAPPINGS)
        mappings["_meta"] = {"muqing_mapping_version": 1}
        for name in elastic.CHAR_FIELDS:
            del mappings["properties"][name]
        name = f"{backend.prefix}posts-v1-before-chars"
        backend.client.indices.create(index=name, mappings=mappings, aliases={backend.alias: {}})
        return name
    assert isinstance(backend, fts5.Fts5Backend)
    schema = fts5._SCHEMA.replace("'2'", "'1'").replace(", title_chars, content_chars", "")
    assert "title_chars" not in schema
    backend.directory.mkdir(parents=True, exist_ok=True)
    name = "posts-before-chars.sqlite"
    with closing(sqlite3.connect(backend.directory / name)) as connection:
        connection.executescript(schema)
    backend._set_pointer("LIVE", name)
    return name


def test_an_index_from_before_the_character_fields_keeps_working_until_a_sync_rebuilds_it(stack: Stack) -> None:
    from datetime import UTC, datetime

    from core.search.base import PostDocument
    from core.search.documents import tokenise

    backend = get_backend()
    old = _old_index(backend)
    assert backend.live_index() == old and backend.outdated()
    moment = datetime(2025, 10, 1, tzinfo=UTC)
    document = PostDocument(
        post_id=900, title="养猪场臭味", content="猪粪满地", url=None, author=None, source=None, time=moment,
        day="2025-10-01", category=None, severity=None, sentiment=None, section=None, alert_id=None,
    )  # fmt: skip
    tokenise([document])
    backend.write([document], [])  # the old index takes documents without the fields it does not know
    assert backend.search(SearchQuery(text="养猪场"), ["养猪场"]).total == 1
    assert backend.search(SearchQuery(text="猪"), ["猪"]).total == 0  # words only, as before
    backend.write([], [900])
    # The next sync (after these commits) notices the old schema and rebuilds the index from the database.
    loaded = load(EXAMPLES)
    assert backend.live_index() != old and not backend.outdated()
    pig = {"manure", "odour", "dead-pigs", "pork-price", "slaughter", "subsidy", "upgrade"}
    assert found("猪") == {loaded.ids[key] for key in pig}
    assert found("鸡") == {loaded.ids["poultry"]}
