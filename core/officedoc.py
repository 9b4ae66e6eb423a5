"""Word documents laid out like official documents (GB/T 9704-2012): A4, its margins, fonts and page numbers.

Type area 156 × 225 mm: top margin 37 mm, left 28 mm, so right 26 mm and bottom 35 mm. Title in 2号 小标宋,
body in 3号 仿宋 with a fixed line pitch (22 lines a page), headings 黑体 (first level) and 楷体 (second),
page numbers "— 1 —" in 4号 宋体 at the foot, odd pages on the right and even pages on the left, one
character in from the edge. Tables use 宋体 in a smaller size so the format's columns fit.

The fonts and spacing live in the document's styles (``Normal``, ``Title``, ``Heading 1``, ``Heading 2``),
so Word's navigation pane and table of contents see the headings and an editor can restyle in one place.

Every text of a document goes through :func:`add_text`, which drops the characters XML cannot hold
(``core.xmltext``): python-docx refuses them, and stored text must never turn an export into a server error.
"""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell

from core.masked_files import document_bytes
from core.xmltext import xml_text

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TYPE_WIDTH_MM = 156.0
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


def add_text(paragraph: Any, text: str, font: str, size: float, *, bold: bool = False) -> Any:
    """A run of ``text`` in ``font``: every text of a document goes in here, so XML-illegal characters go."""
    run = paragraph.add_run(xml_text(text))
    set_font(run, font, size, bold=bold)
    return run


def _style_font(style: Any, name: str, size: float, *, bold: bool = False) -> None:
    """A style's font; the theme fonts Word's built-in styles carry would override a named font, so go."""
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), name)


def _style_spacing(style: Any, *, pitch: Any = LINE_PITCH, indent: bool = False) -> None:
    paragraph = style.paragraph_format
    paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.line_spacing = pitch
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)
    paragraph.first_line_indent = Pt(SIZE_3 * 2) if indent else Pt(0)


def _styles(document: DocumentType) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, SIZE_3)
    _style_spacing(normal)
    title_style = styles["Title"]
    _style_font(title_style, TITLE_FONT, SIZE_2)
    _style_spacing(title_style, pitch=Pt(36))
    title_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    borders = title_style.element.pPr.find(qn("w:pBdr")) if title_style.element.pPr is not None else None
    if borders is not None:
        title_style.element.pPr.remove(borders)
    for style_name, font in (("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = styles[style_name]
        _style_font(style, font, SIZE_3)
        _style_spacing(style, indent=True)
        style.paragraph_format.keep_with_next = True


def _page_number(paragraph: Any) -> None:
    """``— PAGE —`` as a field Word fills in."""
    add_text(paragraph, "— ", TABLE_FONT, SIZE_4)
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
    add_text(paragraph, " —", TABLE_FONT, SIZE_4)


def official_document() -> DocumentType:
    """An empty A4 document with the official margins, body font and page numbers."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    _styles(document)
    # Odd pages number on the right, even pages on the left, each one character (4号) in from the edge.
    document.settings.odd_and_even_pages_header_footer = True
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        side = "right_indent" if alignment == WD_ALIGN_PARAGRAPH.RIGHT else "left_indent"
        setattr(paragraph.paragraph_format, side, Pt(SIZE_4))
        _page_number(paragraph)
    return document


def _pitch(paragraph: Any) -> None:
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = LINE_PITCH
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)


def title(document: DocumentType, text: str) -> None:
    """The document's title (style ``Title``), centred, 2号 小标宋, with an empty line after it."""
    paragraph = document.add_paragraph(style="Title")
    add_text(paragraph, text, TITLE_FONT, SIZE_2)
    document.add_paragraph()


def heading(document: DocumentType, text: str, *, level: int = 1) -> None:
    """``一、`` headings (``Heading 1``) in 黑体, ``（一）`` headings (``Heading 2``) in 楷体, 3号, indented."""
    paragraph = document.add_paragraph(style="Heading 1" if level == 1 else "Heading 2")
    add_text(paragraph, text, HEADING_FONT if level == 1 else SUBHEADING_FONT, SIZE_3)


def body(document: DocumentType, text: str) -> None:
    """Body text in 3号 仿宋, one paragraph per line of ``text``, first lines indented two characters."""
    for line in xml_text(text or "").splitlines() or [""]:
        paragraph = document.add_paragraph()
        _pitch(paragraph)
        paragraph.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
        add_text(paragraph, line.strip(), BODY_FONT, SIZE_3)


def centred(document: DocumentType, text: str) -> None:
    """A centred line of body text (a subtitle such as the period a report covers)."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_text(paragraph, text, BODY_FONT, SIZE_3)


def signature(document: DocumentType, text: str) -> None:
    """A right-aligned line of body text (who issued the document and when), four characters from the edge."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.right_indent = Pt(SIZE_3 * 4)
    add_text(paragraph, text, BODY_FONT, SIZE_3)


def repeat_header(grid: Table) -> None:
    """Repeat the table's first row at the top of every page it runs onto."""
    properties = grid.rows[0]._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


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


def cell(grid: Table, row: int, col: int) -> _Cell:
    """The cell at ``row``, ``col`` of the layout grid (a merged cell answers for every position it spans)."""
    # Table.cell builds every cell of the table for each call, which made filling a table quadratic (seconds
    # for the annual report); a row's cells come from that row alone.
    return grid.rows[row].cells[col]


def write_cell(cell: _Cell, text: str, *, size: float = SIZE_SMALL_5, bold: bool = False, left: bool = False) -> None:
    """A cell's text in 宋体, centred (or left-aligned for labels), vertically centred."""
    cell.text = ""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    # Cells hold a smaller font: the body's fixed pitch would make every row a body line high.
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    add_text(paragraph, text, TABLE_FONT, size, bold=bold)


def to_bytes(document: DocumentType) -> bytes:
    """The document as .docx bytes, personal data masked."""
    return document_bytes(document)
