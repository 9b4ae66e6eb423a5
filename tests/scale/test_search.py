"""The search suite, run on both stacks (SQLite FTS5 and Elasticsearch) with the same corpus and answers."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.scale.conftest import Stack
from tests.scale.corpus import EXAMPLES, Loaded, utc


def run(text: str = "", **options: object) -> object:
    from core.search.base import SearchQuery
    from core.search.service import search

    return search(query=SearchQuery(text=text, **options))  # type: ignore[arg-type]


def keys(loaded: Loaded, page: object) -> list[str]:
    return loaded.keys([hit.post_id for hit in page.hits])  # type: ignore[attr-defined]


def test_every_post_is_indexed_and_an_empty_query_lists_them_newest_first(corpus: tuple[Stack, Loaded]) -> None:
    stack, loaded = corpus
    page = run(limit=50)
    assert page.total == len(EXAMPLES)  # type: ignore[attr-defined]
    by_time = sorted(EXAMPLES, key=lambda example: example.published, reverse=True)
    assert keys(loaded, page) == [example.key for example in by_time]
    assert page.backend == ("fts5" if stack.name == "embedded" else "elasticsearch")  # type: ignore[attr-defined]


def test_a_word_finds_the_posts_that_contain_it_and_marks_it(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    page = run("养猪场")
    assert set(keys(loaded, page)) == {"manure", "odour", "upgrade"}
    hit = next(hit for hit in page.hits if hit.post_id == loaded.ids["odour"])  # type: ignore[attr-defined]
    assert hit.title_html == "<mark>养猪场</mark>臭味扰民"
    assert "<mark>养猪场</mark>" in hit.snippet_html


def test_a_word_inside_a_longer_word_is_found(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    # 猪场 is inside 养猪场: documents are cut in jieba's search mode.
    assert set(keys(loaded, run("猪场"))) == {"manure", "odour", "upgrade"}


def test_a_single_character_finds_every_post_that_contains_it(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    # jieba keeps 猪 inside 养猪场, 猪肉 and 生猪: the word field alone found only the dead-pigs post.
    pig = {"manure", "odour", "dead-pigs", "pork-price", "slaughter", "subsidy", "upgrade"}
    assert set(keys(loaded, run("猪", limit=50))) == pig
    assert run("猪").total == len(pig)  # type: ignore[attr-defined]
    assert keys(loaded, run("鸡")) == ["poultry"]
    assert set(keys(loaded, run("粪"))) == {"manure", "upgrade", "poultry"}
    hit = run("鸡").hits[0]  # type: ignore[attr-defined]
    assert hit.title_html == "养<mark>鸡</mark>户<mark>鸡</mark>舍禽类成批死亡"
    assert run("羊").total == 0  # type: ignore[attr-defined]


def test_a_two_character_word_inside_a_longer_word_is_found(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    # 口蹄 is only inside 口蹄疫, 鸡粪 is a word of its own; the characters must be consecutive.
    assert keys(loaded, run("口蹄")) == ["vaccination"]
    assert keys(loaded, run("鸡粪")) == ["poultry"]
    assert run("猪鸡").total == 0  # type: ignore[attr-defined]
    # A short word combined with others: every one must still occur.
    assert keys(loaded, run("猪 河沟")) == ["manure"]
    assert set(keys(loaded, run("粪 猪"))) == {"manure", "upgrade"}
    assert set(keys(loaded, run("鸡 猪", any_token=True, limit=50))) == {
        "manure",
        "odour",
        "dead-pigs",
        "pork-price",
        "slaughter",
        "subsidy",
        "upgrade",
        "poultry",
    }


def test_every_word_of_the_query_must_occur(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    assert keys(loaded, run("养猪场 臭味")) == ["odour"]
    assert keys(loaded, run("养猪场的臭味")) == ["odour"]
    assert run("养猪场 牛肉").total == 0  # type: ignore[attr-defined]


def test_any_word_mode_finds_posts_with_one_of_the_words_most_matches_first(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    # Similar cases ask this way: posts sharing any word of a case, the ones sharing most ranked first.
    page = run("养猪场 臭味 免疫", any_token=True, limit=50)
    found = keys(loaded, page)
    assert {"manure", "odour", "upgrade", "vaccination"} <= set(found)
    assert found[0] == "odour"
    assert run("养猪场 牛肉", any_token=True).total == len(keys(loaded, run("养猪场"))) + run("牛肉").total  # type: ignore[attr-defined]


def test_relevance_puts_the_post_about_the_word_first_and_time_sort_the_newest(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    # pork-price has 猪肉 in its title and twice in its text; slaughter mentions it once in passing.
    assert keys(loaded, run("猪肉")) == ["pork-price", "slaughter"]
    assert keys(loaded, run("猪肉", sort="time")) == ["slaughter", "pork-price"]
    scores = [hit.score for hit in run("猪肉").hits]  # type: ignore[attr-defined]
    assert scores[0] > scores[1] > 0


def test_filters_by_category_source_severity_sentiment_and_section(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    assert set(keys(loaded, run(filters={"category": ("pollution",)}))) == {"manure", "odour", "upgrade"}
    assert set(keys(loaded, run(filters={"source": ("forum",)}))) == {"dead-pigs", "pork-price", "water-beef"}
    assert keys(loaded, run(filters={"severity": ("重大",)})) == ["dead-pigs"]
    assert keys(loaded, run(filters={"sentiment": ("positive",)})) == ["upgrade"]
    combined = run("养猪场", filters={"sentiment": ("negative",), "source": ("mailbox",)})
    assert set(keys(loaded, combined)) == {"odour", "manure"}
    section = loaded.section["manure"]
    assert section is not None
    expected = {key for key, code in loaded.section.items() if code == section}
    assert set(keys(loaded, run(filters={"section": (section,)}))) == expected
    several = run(filters={"category": ("market", "slaughter")})
    assert set(keys(loaded, several)) == {"pork-price", "slaughter"}


def test_a_time_range_includes_its_start_and_excludes_its_end(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    page = run(start=utc("2025-10-02T04:00"), end=utc("2025-10-05T01:00"))
    assert set(keys(loaded, page)) == {"vaccination", "dead-pigs"}


def test_aggregations_count_all_matches_per_local_day_category_source_and_sentiment(
    corpus: tuple[Stack, Loaded],
) -> None:
    page = run(limit=1, aggregations=True)
    aggregations = page.aggregations  # type: ignore[attr-defined]
    counted = {name: {bucket.key: bucket.count for bucket in buckets} for name, buckets in aggregations.items()}
    from core.timeutil import local_zone

    days = Counter(example.published.astimezone(local_zone()).date().isoformat() for example in EXAMPLES)
    assert counted["day"] == dict(days)
    assert counted["day"]["2025-10-02"] == 2  # one of them is still 1 October in UTC
    assert [bucket.key for bucket in aggregations["day"]] == sorted(days)
    assert counted["category"] == dict(Counter(example.category for example in EXAMPLES))
    assert counted["source"] == dict(Counter(example.source for example in EXAMPLES))
    assert counted["sentiment"] == dict(Counter(example.sentiment for example in EXAMPLES))
    # Most frequent first (epidemic and pollution have three each: a tie goes by code), then the rest.
    assert [bucket.key for bucket in aggregations["category"][:3]] == ["epidemic", "pollution", "conduct"]
    filtered = run("养猪场", aggregations=True).aggregations  # type: ignore[attr-defined]
    assert {bucket.key: bucket.count for bucket in filtered["sentiment"]} == {"negative": 2, "positive": 1}


def test_pages_follow_each_other_without_gaps_or_repeats(corpus: tuple[Stack, Loaded]) -> None:
    _, loaded = corpus
    first, second = run(limit=4), run(limit=4, offset=4)
    everything = run(limit=50)
    assert keys(loaded, first) + keys(loaded, second) == keys(loaded, everything)[:8]
    assert first.total == second.total == len(EXAMPLES)  # type: ignore[attr-defined]


def test_punctuation_alone_finds_nothing_and_deep_pages_are_refused(corpus: tuple[Stack, Loaded]) -> None:
    from core.errors import InvalidInput

    assert run("，。！").total == 0  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        run("养猪场", offset=9_990, limit=20)
    with pytest.raises(InvalidInput):
        run(start=datetime(2025, 10, 5, tzinfo=UTC), end=datetime(2025, 10, 1, tzinfo=UTC))
