"""Near-duplicate signatures: reposts match, different matters do not."""

from __future__ import annotations

from core.fingerprint import as_signed, hamming, near_duplicate, simhash

LETTER = (
    "领导您好！我家住柳河镇前进村五组，离村东头的宏旺生猪养殖场不到一百米。今年夏天以来，养殖场的臭味一天比一天重，"
    "尤其是傍晚和夜里，整个村子都是猪粪味，家里晚上根本不敢开窗。恳请有关部门到现场查看。"
)


def test_a_repost_with_other_spacing_and_punctuation_is_a_near_duplicate() -> None:
    repost = "【转】 " + LETTER.replace("，", ", ").replace("。", ". ") + " 转发自某论坛"
    assert near_duplicate(simhash(LETTER), simhash(repost), max_bits=6)


def test_a_repost_in_traditional_characters_is_the_same_text() -> None:
    from core.traditional import simplified_table, to_simplified

    traditional_of = {chr(simple): chr(traditional) for traditional, simple in simplified_table().items()}
    typed = "".join(traditional_of.get(ch, ch) for ch in LETTER)  # 領導您好！我家住柳河鎮…
    assert typed != LETTER and to_simplified(typed) == LETTER
    assert hamming(simhash(LETTER), simhash(typed)) == 0


def test_a_different_matter_is_not() -> None:
    other = "石桥镇河边发现一堆死猪，已经泡得发胀了，臭气熏天，不知道是谁扔的，请畜牧部门赶快来人处理。"
    assert hamming(simhash(LETTER), simhash(other)) > 10
    assert not near_duplicate(simhash(LETTER), simhash(other))


def test_empty_text_never_matches() -> None:
    assert simhash(" ，。 ") == 0
    assert not near_duplicate(0, 0)


def test_signed_form_round_trips_through_hamming() -> None:
    value = simhash(LETTER)
    assert -(1 << 63) <= as_signed(value) < 1 << 63
    assert hamming(as_signed(value), value) == 0
