"""The cash book or bank book as an A4 PDF (issue #18; pure: a Book in, bytes out): the same
lines as the screen and the workbook (opening balance, each posting with its running balance,
the day's totals, the period's totals, closing balance), the table's header repeated on every
page, "Trang n/N" at each foot, and the book's closing lines and signatures on the last page."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from ..money import format_vnd
from .books import TITLES
from .paper import BOOK_SIGNATURES, a4_pdf, signature_block
from .vouchers import FUND

HEADINGS = ("Ngày", "Số phiếu thu", "Số phiếu chi", "Diễn giải", "Thu", "Chi", "Tồn")
WIDTHS = (19, 15, 15, 65, 24, 24, 24)
ALIGN = ("CENTER", "CENTER", "CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT")
BOLD = FontFace(emphasis="BOLD")


def book_pdf(book: Any, *, unit_name: str) -> bytes:
    """``book`` is a ``services.books.Book`` (exports sit below services, so the type is not
    imported here)."""
    pdf = a4_pdf()
    pdf.add_page()
    _heading(pdf, book, unit_name)
    _table(pdf, book)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, "- Sổ này có {nb} trang, đánh số từ trang 1 đến trang {nb}.")
    pdf.ln(5)
    signature_block(pdf, BOOK_SIGNATURES)
    return bytes(pdf.output())


def _heading(pdf: FPDF, book: Any, unit_name: str) -> None:
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, f"Đơn vị: {unit_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, f"Quỹ: {FUND}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 8, TITLES[book.kind], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "I", 10)
    period = f"Từ ngày {book.date_from:%d/%m/%Y} đến ngày {book.date_to:%d/%m/%Y}"
    pdf.cell(0, 6, period, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _table(pdf: FPDF, book: Any) -> None:
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=WIDTHS,
        text_align=ALIGN,
        line_height=4.5,
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        repeat_headings=1,
        first_row_as_headings=True,
    ) as table:
        table.row(HEADINGS)
        _total(table, "Số dư đầu kỳ", balance=book.opening)
        for day, lines, day_in, day_out in book.days():
            for line in lines:
                table.row(
                    (
                        f"{line.entry_date:%d/%m/%Y}",
                        str(line.receipt_no or ""),
                        str(line.payment_no or ""),
                        line.description,
                        _vnd(line.money_in),
                        _vnd(line.money_out),
                        format_vnd(line.balance),
                    )
                )
            _total(table, f"Cộng ngày {day:%d/%m/%Y}", day_in, day_out)
        _total(table, "Cộng phát sinh trong kỳ", book.total_in, book.total_out)
        _total(table, "Số dư cuối kỳ", balance=book.closing)


def _total(
    table: Any, label: str, money_in: int = 0, money_out: int = 0, balance: int | None = None
) -> None:
    """A bold line: the label across the first four columns, then the figures it carries."""
    row = table.row(style=BOLD)
    row.cell(label, colspan=4, align="LEFT")
    row.cell(format_vnd(money_in) if balance is None else "")
    row.cell(format_vnd(money_out) if balance is None else "")
    row.cell("" if balance is None else format_vnd(balance))


def _vnd(amount: int) -> str:
    return format_vnd(amount) if amount else ""
