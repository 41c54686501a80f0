"""The mobilisation norms' spreadsheets (pure: rows in, bytes or sheet rows out): the counts
template a unit fills in, and the reconciliation workbook's "Định mức vận động" sheet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from .cells import header, put, put_row, xlsx_bytes
from .csv_files import CsvBook, sheet_csv
from .sheets import Book

SHEET = "Định mức vận động"


def counts_template(**parts: Any) -> bytes:
    """The counts template as an .xlsx file (``parts`` as ``counts_book`` takes them)."""
    return xlsx_bytes(counts_book(**parts))


def counts_template_csv(**parts: Any) -> bytes:
    """The counts template as CSV: the "Số người" sheet only, cell for cell, so the unit fills
    it in and uploads it as it is (the notes stay in the workbook and on the page)."""
    return sheet_csv(counts_book(**parts).worksheets[0])


def counts_book(
    *, headers: Sequence[str], rows: Sequence[Sequence[object]], notes: Sequence[tuple[str, str]]
) -> Workbook:
    """Sheet "Số người": the header and one row per unit and kind of payer (current counts);
    sheet "Hướng dẫn": each column and what it takes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Số người"
    header(sheet, 1, list(headers), [16, 30, 30, 14, 14])
    for line, row in enumerate(rows, start=2):
        put_row(sheet, line, row)
    guide = workbook.create_sheet("Hướng dẫn")
    header(guide, 1, ["Cột", "Cách ghi"], [18, 100])
    for line, (title, text) in enumerate(notes, start=2):
        put(guide, line, 1, title, bold=True)
        put(guide, line, 2, text)
    return workbook


def norms_sheet(book: Book | CsvBook, figures: Any, norms: Sequence[tuple[str, int, str]]) -> None:
    """The norms (kind, amount per head, note), then each child unit's expected money beside
    its quota and what it collected, both gaps, and the total. Expected money is a plan: the
    summary sheet's collected figures never include it."""
    sheet = book.sheet(SHEET, [34, 16, 18, 18, 18, 18, 40], freeze_row=None)
    sheet.write(["Đối tượng", "Định mức (đồng/người)", "Ghi chú"], header=True)
    for kind, amount, note in norms:
        sheet.write([kind, amount, note], money={1})
    sheet.write([])
    sheet.write(
        [
            "Đơn vị",
            "Chỉ tiêu",
            "Dự kiến theo định mức",
            "Dự kiến − chỉ tiêu",
            "Đã vận động",
            "Đã vận động − dự kiến",
        ],
        header=True,
    )
    for line in [*figures.lines, figures.total]:
        name = line.name if line is not figures.total else f"{line.name} (tổng cộng)"
        sheet.write(
            [
                name,
                line.quota,
                line.expected,
                line.over_quota,
                line.collected,
                line.against_expected,
            ],
            money={1, 2, 3, 4, 5},
            bold=line is figures.total,
        )
