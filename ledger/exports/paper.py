"""What every A4 document the ledger prints shares (issue #18): DejaVu Sans (it renders
Vietnamese), "Trang 2/5" at the foot of each page, and the signature block that closes a book
or a report: a dated line, then Người ghi sổ (or Người lập biểu), Kế toán trưởng and Thủ
trưởng đơn vị, kept together on the last page."""

from __future__ import annotations

from fpdf import FPDF

from .vouchers import SIGN, SIGN_SEAL, Signature, new_pdf

#: the three who sign a book (sổ kế toán) under its last line
BOOK_SIGNATURES = (
    Signature("Người ghi sổ"),
    Signature("Kế toán trưởng"),
    Signature("Thủ trưởng đơn vị", SIGN_SEAL),
)
#: a report is drawn up (lập biểu) rather than kept (ghi sổ)
REPORT_SIGNATURES = (
    Signature("Người lập biểu", SIGN),
    Signature("Kế toán trưởng"),
    Signature("Thủ trưởng đơn vị", SIGN_SEAL),
)
#: the dated line the signers fill in by hand on the day they sign
DATED_BLANK = "Ngày ..... tháng ..... năm ........"
#: room the signature block needs (dated line, titles, hints, space to sign)
SIGNATURE_HEIGHT = 42.0


class PagedPDF(FPDF):
    """An FPDF whose every page ends with "Trang n/N" (N filled in when the PDF is output)."""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", "I", 8)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")


def a4_pdf(landscape: bool = False) -> FPDF:
    """An A4 PDF (portrait for a book, landscape for a wide report) with page numbers."""
    pdf = new_pdf("L" if landscape else "P", "A4", 12, cls=PagedPDF)
    pdf.set_auto_page_break(True, 16)
    return pdf


def signature_block(pdf: FPDF, signatures: tuple[Signature, ...], dated: str = DATED_BLANK) -> None:
    """The dated line and the signers' columns, moved whole to a new page when the page has
    no room left for them."""
    if pdf.get_y() + SIGNATURE_HEIGHT > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("DejaVu", "I", 10)
    third = pdf.epw / len(signatures)
    pdf.set_x(pdf.l_margin + pdf.epw - third)
    pdf.cell(third, 6, dated, align="C", new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    for index, signature in enumerate(signatures):
        pdf.set_xy(pdf.l_margin + index * third, top)
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(third, 5, signature.role, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font("DejaVu", "I", 8)
        pdf.multi_cell(third, 4, signature.hint, align="C")
    pdf.set_y(top + SIGNATURE_HEIGHT - 10)
