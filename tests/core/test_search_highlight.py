"""Highlighted snippets are cut from the original text and escape everything but the marks."""

from __future__ import annotations

from core.search.highlight import highlight, snippet


def test_every_occurrence_is_marked_and_the_rest_escaped() -> None:
    assert (
        highlight("养猪场<b>臭</b>，养猪场", ["养猪场"])
        == "<mark>养猪场</mark>&lt;b&gt;臭&lt;/b&gt;，<mark>养猪场</mark>"
    )
    assert highlight("H7N9 and h7n9", ["h7n9"]) == "<mark>H7N9</mark> and <mark>h7n9</mark>"


def test_overlapping_words_make_one_mark_and_neighbours_two() -> None:
    assert highlight("养猪场", ["养猪", "猪场"]) == "<mark>养猪场</mark>"
    assert highlight("养猪场臭味", ["养猪场", "臭味"]) == "<mark>养猪场</mark><mark>臭味</mark>"


def test_a_long_text_is_cut_around_the_matches_with_ellipses() -> None:
    text = "前言" * 100 + "河沟里全是粪污" + "后记" * 100
    cut = snippet(text, ["粪污"])
    assert "<mark>粪污</mark>" in cut
    assert cut.startswith("…") and cut.endswith("…")
    assert len(cut.replace("<mark>", "").replace("</mark>", "")) <= 122
    assert snippet("短文本", ["无关"]) == "短文本"
    assert snippet("甲" * 200, []).endswith("…")
