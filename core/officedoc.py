"""Word documents laid out like official documents (GB/T 9704-2012): A4, its margins, fonts and page numbers.

Type area 156 × 225 mm: top margin 37 mm, left 28 mm, so right 26 mm and bottom 35 mm. Title in 2号 小标宋,
body in 3号 仿宋 with a fixed line pitch (22 lines a page), headings 黑体 (first level) and 楷体 (second),
page numbers "— 1 —" in 4号 宋体 at the foot. Tables use 宋体 in a smaller size so the format's columns fit.
"""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell

from core.masked_files import document_bytes

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
SIZE_2, SIZE_3, SIZE_4, SIZE_5, SIZE_SMALL_5 = 22.0, 16.0, 14.0, 10.5, 9.0
LINE_PITCH = Pt(28.95)


def set_font(run: Any, name: str, size: float, *, bold: bool = False) -> None:
    """Font, size and weight of a run (Word takes the East Asian font from its own attribute)."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _page_number(paragraph: Any) -> None:
    """``— PAGE —`` as a field Word fills in."""
    set_font(paragraph.add_run("— "), TABLE_FONT, SIZE_4)
    run = paragraph.add_run()
    set_font(run, TABLE_FONT, SIZE_4)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    set_font(paragraph.add_run(" —"), TABLE_FONT, SIZE_4)


def official_document() -> DocumentType:
    """An empty A4 document with the official margins, body font and page numbers."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    style = document.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(SIZE_3)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    return document


def _pitch(paragraph: Any) -> None:
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = LINE_PITCH
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)


def title(document: DocumentType, text: str) -> None:
    """The document's title, centred, 2号 小标宋, with an empty line after it."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _pitch(paragraph)
    paragraph.paragraph_format.line_spacing = Pt(36)
    set_font(paragraph.add_run(text), TITLE_FONT, SIZE_2)
    document.add_paragraph()


def heading(document: DocumentType, text: str, *, level: int = 1) -> None:
    """``一、`` headings in 黑体, ``（一）`` headings in 楷体, both 3号 and indented two characters."""
    paragraph = document.add_paragraph()
    _pitch(paragraph)
    paragraph.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
    set_font(paragraph.add_run(text), HEADING_FONT if level == 1 else SUBHEADING_FONT, SIZE_3)


def body(document: DocumentType, text: str) -> None:
    """Body text in 3号 仿宋, one paragraph per line of ``text``, first lines indented two characters."""
    for line in (text or "").splitlines() or [""]:
        paragraph = document.add_paragraph()
        _pitch(paragraph)
        paragraph.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
        set_font(paragraph.add_run(line.strip()), BODY_FONT, SIZE_3)


def table(document: DocumentType, rows: int, widths_mm: list[float]) -> Table:
    """A bordered, centred table with fixed column widths (in mm)."""
    grid = document.add_table(rows=rows, cols=len(widths_mm))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for index, width in enumerate(widths_mm):
        for cell in grid.columns[index].cells:
            cell.width = Mm(width)
    return grid


def write_cell(cell: _Cell, text: str, *, size: float = SIZE_SMALL_5, bold: bool = False, left: bool = False) -> None:
    """A cell's text in 宋体, centred (or left-aligned for labels), vertically centred."""
    cell.text = ""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    set_font(paragraph.add_run(text), TABLE_FONT, size, bold=bold)


def to_bytes(document: DocumentType) -> bytes:
    """The document as .docx bytes, personal data masked."""
    return document_bytes(document)
