"""A filed report's ``Document`` as PDF on A4 (fpdf2 with the vouchers' DejaVu fonts): the
copy kept frozen with the filing beside the .docx (pure: bytes out)."""

from __future__ import annotations

from fpdf import FPDF

from .filed_report import Document, Table
from .letters import QUOC_HIEU, TIEU_NGU
from .paper import PagedPDF
from .vouchers import new_pdf


def filed_pdf(doc: Document) -> bytes:
    """Lay ``doc`` out on A4 pages, numbered, and return the PDF bytes."""
    pdf = new_pdf("P", "A4", margin=15, cls=PagedPDF)
    pdf.set_left_margin(25)
    pdf.add_page()
    _header(pdf, doc)
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 13)
    for line in (doc.title, doc.subtitle):
        pdf.multi_cell(pdf.epw, 6.5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.ln(2)
    pdf.multi_cell(pdf.epw, 6, doc.recipient_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for kind, value in doc.blocks:
        if kind == "h":
            pdf.set_font("DejaVu", "B", 11)
            pdf.ln(1)
            pdf.multi_cell(pdf.epw, 6, value, new_x="LMARGIN", new_y="NEXT")
        elif kind == "p":
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(pdf.epw, 6, "     " + value, align="J", new_x="LMARGIN", new_y="NEXT")
        else:
            _table(pdf, value)
    _footer(pdf, doc)
    return bytes(pdf.output())


def _header(pdf: FPDF, doc: Document) -> None:
    left, top = pdf.epw * 0.42, pdf.get_y()
    lines = [(doc.issuer[0], ""), (doc.issuer[1], "B"), (doc.number_line, "")]
    if doc.draft:
        lines.append(("DỰ THẢO", "B"))
    for text, style in lines:
        pdf.set_font("DejaVu", style, 10)
        pdf.multi_cell(left, 5.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + left, top)
    for text, style, size in ((QUOC_HIEU, "B", 10), (TIEU_NGU, "B", 11), (doc.place_date, "I", 10)):
        pdf.set_x(pdf.l_margin + left)
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(pdf.epw - left, 5.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()))


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font("DejaVu", "", 10)
    first = 0.46 if len(table.head) > 2 else 0.62
    rest = (1 - first) / (len(table.head) - 1)
    widths = (first, *([rest] * (len(table.head) - 1)))
    aligns = tuple("RIGHT" if i in table.numeric else "LEFT" for i in range(len(table.head)))
    with pdf.table(
        col_widths=widths, text_align=aligns, line_height=5.5, first_row_as_headings=True
    ) as grid:
        for values in (table.head, *table.rows):
            row = grid.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)


def _footer(pdf: FPDF, doc: Document) -> None:
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 80:
        pdf.add_page()
    top, half = pdf.get_y(), pdf.epw * 0.45
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.cell(half, 5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in doc.copies_to:
        pdf.multi_cell(half, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_y(top)
    for index, line in enumerate(doc.signer):
        pdf.set_x(pdf.l_margin + half)
        pdf.set_font("DejaVu", "I" if line.startswith("(") else "B", 10.5)
        height = 22 if index == 3 else 5.5
        pdf.multi_cell(pdf.epw - half, height, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 6)
    if doc.anchors:
        pdf.set_font("DejaVu", "I", 7)
        pdf.multi_cell(
            pdf.epw,
            4,
            "Dấu neo sổ sách khi nộp (đối chiếu bằng lệnh check --anchors):",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("DejaVu", "", 5)  # one anchor a line: `check --anchors` reads it back
        for line in doc.anchors:
            pdf.multi_cell(pdf.epw, 3.5, line, new_x="LMARGIN", new_y="NEXT")
