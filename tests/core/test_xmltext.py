"""The one rule for XML-illegal characters: every code point python-docx and openpyxl refuse is dropped by
``xml_text`` (checked against the libraries themselves), everything else is kept as it was."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook

from core.cells import xlsx_append, xlsx_cell
from core.xmltext import refuse_control_characters, xml_text

# Every C0 control, DEL, C1 controls, both ends of the surrogates, the non-characters, and ordinary text.
SAMPLE = [*map(chr, range(0x00, 0x21)), "\x7f", "\x85", "\ud800", "\udfff", "\ufffd", "\ufffe", "\uffff", "牧", "😀"]


def _docx_accepts(text: str) -> bool:
    try:
        Document().add_paragraph().add_run(text)
    except ValueError:
        return False
    return True


def _xlsx_accepts(text: str) -> bool:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    try:
        sheet.append([text])
        book.save(io.BytesIO())
    except (ValueError, UnicodeEncodeError):  # IllegalCharacterError is a ValueError; lone surrogates fail saving
        return False
    return True


@pytest.mark.parametrize("char", SAMPLE, ids=[f"U+{ord(c):04X}" for c in SAMPLE])
def test_what_the_libraries_refuse_is_dropped_and_the_rest_kept(char: str) -> None:
    cleaned = xml_text(f"养殖{char}场")
    assert _docx_accepts(cleaned) and _xlsx_accepts(cleaned)
    if _docx_accepts(char) and _xlsx_accepts(char):
        assert cleaned == f"养殖{char}场"
    elif char in "\x0b\x0c":
        assert cleaned == "养殖\n场"  # vertical tab and form feed were line and page breaks
    else:
        assert cleaned == "养殖场"


def test_workbook_cells_are_xml_safe_and_never_formulas() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    xlsx_append(sheet, ['=HYPERLINK(\x01"x")', "猪\x00场", 3, None])
    xlsx_cell(sheet, 2, 1, "+1\x1f")
    buffer = io.BytesIO()
    book.save(buffer)
    read = load_workbook(buffer).active
    assert read is not None
    assert [cell.value for cell in read[1]][:3] == ['=HYPERLINK("x")', "猪场", 3]
    assert read["A1"].data_type == "s" and read["A2"].value == "+1" and read["A2"].data_type == "s"


def test_typed_text_refuses_control_characters_but_not_tabs_or_line_breaks() -> None:
    assert refuse_control_characters("第一段\r\n\t第二段") == "第一段\r\n\t第二段"
    for char in ("\x00", "\x0b", "\x1f", "\x7f"):
        with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
            refuse_control_characters(f"a{char}b")
