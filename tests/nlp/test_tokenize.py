"""The tokenizer keeps our dictionary's words whole and drops stopwords; models that use it pickle."""

from __future__ import annotations

import pickle

from nlp.tokenize import cut, tokenize


def test_user_dictionary_words_stay_whole() -> None:
    tokens = cut("能繁母猪补贴什么时候发，村里有人私屠滥宰，养殖场粪污直排")
    for word in ("能繁母猪", "私屠滥宰", "养殖场", "粪污"):
        assert word in tokens


def test_stopwords_and_spaces_are_dropped_but_negations_kept() -> None:
    tokens = tokenize("这个  猪场 的 粪水 没有 处理")
    assert "的" not in tokens and " " not in tokens
    assert "没有" in tokens and "猪场" in tokens


def test_tokenize_is_a_module_level_function_that_pickles() -> None:
    assert pickle.loads(pickle.dumps(tokenize))("养猪场") == ["养猪场"]
