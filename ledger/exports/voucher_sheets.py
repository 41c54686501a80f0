"""Vouchers two to an A4 sheet (issue #18): each A5 voucher as ``exports/vouchers.py`` draws it,
side by side on A4 landscape (two A5 portrait halves, 148.5 × 210 mm) with a dashed cutting
line between them, in order: the first and second voucher on the first sheet, and so on."""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF

from .vouchers import Voucher, draw_voucher, new_pdf

#: A4 landscape, in mm
SHEET_WIDTH, SHEET_HEIGHT = 297.0, 210.0
HALF = SHEET_WIDTH / 2
MARGIN = 10.0


def vouchers_sheet_pdf(vouchers: Iterable[Voucher]) -> bytes:
    """The PDF of ``vouchers``, two A5 vouchers per A4 landscape sheet."""
    pdf = new_pdf("L", "A4", MARGIN)
    for index, voucher in enumerate(vouchers):
        left = index % 2 == 0
        if left:
            pdf.set_margins(MARGIN, MARGIN, MARGIN)
            pdf.add_page()
            _cutting_line(pdf)
        start = MARGIN if left else HALF + MARGIN
        pdf.set_margins(start, MARGIN, SHEET_WIDTH - start - HALF + 2 * MARGIN)
        pdf.set_xy(start, MARGIN)
        draw_voucher(pdf, voucher)
    return bytes(pdf.output())


def _cutting_line(pdf: FPDF) -> None:
    pdf.set_draw_color(150, 150, 150)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(HALF, 4, HALF, SHEET_HEIGHT - 4)
    pdf.set_draw_color(0, 0, 0)
