"""A filed report's ``Document`` as .docx (python-docx), so the unit can edit it before signing:
A4, Times New Roman 13–14 pt and the margins of Nghị định 30/2020/NĐ-CP (pure: bytes out)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from .filed_report import Document, Table
from .letters import QUOC_HIEU, TIEU_NGU

FONT = "Times New Roman"
CENTER, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def filed_docx(doc: Document) -> bytes:
    """Lay ``doc`` out as a Word document and return its bytes."""
    word = new_docx()
    _page(word)
    _header(word, doc)
    _say(word, doc.title, bold=True, align=CENTER, size=14, before=12)
    _say(word, doc.subtitle, bold=True, align=CENTER, size=14)
    _say(word, doc.recipient_line, align=CENTER, before=6, after=6)
    for kind, value in doc.blocks:
        if kind == "h":
            _say(word, value, bold=True, before=6)
        elif kind == "p":
            _say(word, value, align=JUSTIFY, indent=True)
        else:
            _table(word, value)
    _footer(word, doc)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _page(word: Any) -> None:
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = word.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    style.paragraph_format.space_after = Pt(0)


def _say(
    where: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    align: Any = None,
    size: float = 14,
    before: float = 0,
    after: float = 0,
    indent: bool = False,
) -> Any:
    paragraph = where.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size, run.font.name = bold, italic, Pt(size), FONT
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    return paragraph


def _cell(cell: Any) -> Any:
    """A table cell emptied of its first paragraph, so text added reads from the top."""
    cell._element.remove(cell.paragraphs[0]._element)
    return cell


def _header(word: Any, doc: Document) -> None:
    """The issuer and number (left), Quốc hiệu, Tiêu ngữ and the place and date (right)."""
    grid = word.add_table(rows=1, cols=2)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = (_cell(c) for c in grid.rows[0].cells)
    left.width, right.width = Mm(70), Mm(95)
    _say(left, doc.issuer[0], align=CENTER, size=13)
    _say(left, doc.issuer[1], bold=True, align=CENTER, size=13)
    _say(left, doc.number_line, align=CENTER, size=13, before=6)
    if doc.draft:
        _say(left, "DỰ THẢO", bold=True, align=CENTER, size=12, before=6)
    _say(right, QUOC_HIEU, bold=True, align=CENTER, size=13)
    _say(right, TIEU_NGU, bold=True, align=CENTER, size=14)
    _say(right, doc.place_date, italic=True, align=CENTER, size=14, before=6)


def _table(word: Any, table: Table) -> None:
    grid = word.add_table(rows=1 + len(table.rows), cols=len(table.head))
    grid.style = "Table Grid"
    for row_index, values in enumerate((table.head, *table.rows)):
        strong = row_index == 0 or values[0] == "Tổng cộng"
        for column, value in enumerate(values):
            cell = _cell(grid.rows[row_index].cells[column])
            align = RIGHT if column in table.numeric and row_index else None
            _say(cell, value, bold=strong, align=CENTER if row_index == 0 else align, size=13)
    word.add_paragraph()


def _footer(word: Any, doc: Document) -> None:
    """ "Nơi nhận" (left, small) beside the signature block (right), then the anchors."""
    grid = word.add_table(rows=1, cols=2)
    left, right = (_cell(c) for c in grid.rows[0].cells)
    left.width, right.width = Mm(80), Mm(85)
    _say(left, "Nơi nhận:", bold=True, italic=True, size=12, before=6)
    for line in doc.copies_to:
        _say(left, line, size=11)
    for index, line in enumerate(doc.signer):
        _say(
            right,
            line,
            bold=index in (0, 1, 4),
            italic=line.startswith("("),
            align=CENTER,
            size=14 if index != 2 else 12,
            before=6 if index == 0 else 0,
            after=48 if index == 3 else 0,
        )
    if doc.anchors:
        _say(
            word,
            "Dấu neo sổ sách khi nộp (đối chiếu bằng lệnh check --anchors):",
            italic=True,
            size=9,
            before=12,
        )
        for line in doc.anchors:
            _say(word, line, size=8)
