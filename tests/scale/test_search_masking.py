"""The search index holds masked text only, on both stacks (SQLite + FTS5, PostgreSQL + Elasticsearch).

A full phone or ID number finds nothing, what is shown (the masked number) is what is indexed, a section's
search reaches only its cases' posts, and migration m01 re-indexes documents written before the policy.
"""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import session_scope
from core.migrate import downgrade, upgrade
from core.models import Post, SearchOutbox
from core.search.base import PostDocument, SearchQuery
from core.search.documents import load_documents
from core.search.service import get_backend, search, sync
from tests.scale.conftest import Stack

PHONE, ID_NUMBER = "13800138000", "110101199003071234"
TITLE = "兴旺养殖场粪污直排"
CONTENT = f"兴旺养殖场粪污直排，联系人张三 电话{PHONE}，身份证号{ID_NUMBER}，家住幸福路12号。"


def _store() -> int:
    from core.service import store_post

    with session_scope() as session:
        return store_post(
            session, url="https://example.org/masked", title=TITLE, content=CONTENT, author="张三"
        ).post.id


def found(text: str, **options: object) -> set[int]:
    return {hit.post_id for hit in search(query=SearchQuery(text=text, limit=100, **options)).hits}  # type: ignore[arg-type]


def test_the_index_holds_masked_text_and_a_full_number_finds_nothing(stack: Stack) -> None:
    post_id = _store()
    assert found("兴旺养殖场") == {post_id}
    for query in (PHONE, ID_NUMBER, "张三", "138 0013 8000", "0013"):
        assert found(query) == set(), query
    (hit,) = search(query=SearchQuery(text="兴旺养殖场")).hits
    assert "138****8000" in hit.snippet_html and "1101**********1234" in hit.snippet_html
    assert "张*" in hit.snippet_html and "幸福路**号" in hit.snippet_html
    assert hit.author == "张*"
    assert all(value not in f"{hit.title}{hit.snippet_html}{hit.author}" for value in (PHONE, ID_NUMBER, "张三"))


def test_a_search_limited_to_cases_finds_only_their_posts(stack: Stack) -> None:
    from tests.scale.corpus import EXAMPLES, load

    loaded = load(EXAMPLES)
    odour = loaded.alert["odour"]
    assert found("", alert_ids=(odour,)) == {loaded.ids["odour"]}
    assert found("养猪场", alert_ids=()) == set()
    assert found("养猪场", alert_ids=None) >= {loaded.ids["odour"]}


def test_migration_m01_reindexes_documents_written_before_masking(stack: Stack) -> None:
    post_id = _store()
    backend = get_backend()
    # The index as an older version wrote it: full text in the document and its tokens.
    with session_scope() as session:
        document = load_documents(session, post_ids=[post_id])[post_id]
    old = PostDocument(**{**document.fields(), "title": TITLE, "content": CONTENT, "author": "张三"})
    old.title_tokens, old.content_tokens = TITLE, f"{CONTENT} {PHONE} {ID_NUMBER}"
    backend.write([old], [])
    assert found(PHONE) == {post_id}

    downgrade(url=stack.database_url, revision="r01")
    upgrade(url=stack.database_url)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(SearchOutbox)) == session.scalar(
            select(func.count()).select_from(Post)
        )
    sync()
    assert found(PHONE) == set() and found(ID_NUMBER) == set()
    assert found("兴旺养殖场") == {post_id}
