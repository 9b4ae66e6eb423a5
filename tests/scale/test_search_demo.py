"""The demo board's posts, searched for single characters on both stacks: every post holding one is found."""

from __future__ import annotations

import pytest

from core.db import session_scope
from core.search.base import SearchQuery
from core.search.service import search
from crawlers.demo.server import board
from tests.scale.conftest import Stack
from tests.scale.corpus import store_unanalysed


@pytest.mark.parametrize("character", ["猪", "鸡", "粪", "牛", "疫"])
def test_a_character_finds_every_demo_post_that_contains_it(stack: Stack, character: str) -> None:
    ids: dict[int, str] = {}
    for post in board()["posts"]:
        with session_scope() as session:
            post_id = store_unanalysed(
                session, url=f"https://board.example.cn/t/{post['id']}", title=post["title"], content=post["body"]
            )
        ids[post_id] = post["title"] + post["body"]
    expected = {post_id for post_id, text in ids.items() if character in text}
    page = search(query=SearchQuery(text=character, limit=100))
    assert {hit.post_id for hit in page.hits} == expected
    assert page.total == len(expected)
    if character == "猪":
        assert len(expected) >= 5  # the demo board's pig posts: the word field alone found one of them
