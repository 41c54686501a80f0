"""The cash or bank book as a workbook (pure: a Book in, bytes out)."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from ..vocab import Method
from .cells import header, landscape, put, xlsx_bytes
from .csv_files import workbook_csv

TITLES = {Method.CASH: "SỔ QUỸ TIỀN MẶT", Method.BANK: "SỔ TIỀN GỬI NGÂN HÀNG"}


def book_workbook(book: Any, *, unit_name: str) -> bytes:
    """The book as an .xlsx file."""
    return xlsx_bytes(book_sheet(book, unit_name=unit_name))


def book_csv(book: Any, *, unit_name: str) -> bytes:
    """The book as CSV: the workbook's one sheet, cell for cell."""
    return workbook_csv(book_sheet(book, unit_name=unit_name))[0]


def book_sheet(book: Any, *, unit_name: str) -> Workbook:
    """Opening line, one row per posting with running balance, daily totals, closing line.

    ``book`` is a ``services.books.Book`` (exports sit below services, so the type is not
    imported here)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sổ quỹ" if book.kind == Method.CASH else "Sổ tiền gửi"
    put(sheet, 1, 1, f"Đơn vị: {unit_name} — Quỹ Bảo trợ trẻ em", bold=True)
    put(sheet, 2, 1, TITLES[book.kind], bold=True)
    put(sheet, 3, 1, f"Từ ngày {book.date_from:%d/%m/%Y} đến ngày {book.date_to:%d/%m/%Y}")
    header(
        sheet,
        5,
        ["Ngày", "Số phiếu thu", "Số phiếu chi", "Diễn giải", "Thu", "Chi", "Tồn"],
        [12, 10, 10, 48, 16, 16, 18],
    )
    row = 6
    put(sheet, row, 4, "Số dư đầu kỳ", bold=True)
    put(sheet, row, 7, book.opening, money=True)
    for day, lines, day_in, day_out in book.days():
        for line in lines:
            row += 1
            for column, value in enumerate(
                [line.entry_date, line.receipt_no, line.payment_no, line.description], start=1
            ):
                put(sheet, row, column, value)
            put(sheet, row, 5, line.money_in or None, money=True)
            put(sheet, row, 6, line.money_out or None, money=True)
            put(sheet, row, 7, line.balance, money=True)
        row += 1
        put(sheet, row, 4, f"Cộng ngày {day:%d/%m/%Y}", bold=True)
        put(sheet, row, 5, day_in, money=True, bold=True)
        put(sheet, row, 6, day_out, money=True, bold=True)
    row += 1
    put(sheet, row, 4, "Cộng phát sinh trong kỳ", bold=True)
    put(sheet, row, 5, book.total_in, money=True, bold=True)
    put(sheet, row, 6, book.total_out, money=True, bold=True)
    put(sheet, row + 1, 4, "Số dư cuối kỳ", bold=True)
    put(sheet, row + 1, 7, book.closing, money=True, bold=True)
    landscape(sheet)
    return workbook
