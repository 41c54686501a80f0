"""The receipts import's template workbook: the headers the importer reads, one example row,
and a sheet of notes (pure: headers, example and notes in, bytes out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook

from .cells import header, put, put_row, xlsx_bytes
from .csv_files import sheet_csv


def import_template(**parts: Any) -> bytes:
    """The template as an .xlsx file (``parts`` as ``template_book`` takes them)."""
    return xlsx_bytes(template_book(**parts))


def import_template_csv(**parts: Any) -> bytes:
    """The template as CSV: the "Phiếu thu" sheet only, cell for cell, so it is filled in and
    uploaded as it is (the notes stay in the workbook and on the page)."""
    return sheet_csv(template_book(**parts).worksheets[0])


def template_book(
    *,
    headers: Sequence[str],
    example: Sequence[object],
    money_columns: Sequence[int],
    notes: Sequence[tuple[str, str]],
) -> Workbook:
    """Sheet "Phiếu thu": the header row and ``example``; sheet "Hướng dẫn": each column and
    what it takes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phiếu thu"
    header(sheet, 1, list(headers), [12, 14, 22, 28, 16, 16, 20, 30])
    put_row(sheet, 2, example, money=set(money_columns))
    for column, value in enumerate(example, start=1):
        if isinstance(value, date):
            sheet.cell(row=2, column=column).number_format = "dd/mm/yyyy"
    guide = workbook.create_sheet("Hướng dẫn")
    header(guide, 1, ["Cột", "Cách ghi"], [18, 100])
    for line, (title, text) in enumerate(notes, start=2):
        put(guide, line, 1, title, bold=True)
        put(guide, line, 2, text)
    return workbook
