"""The audit log as a workbook: the rows the screen shows, in the user's language (pure:
translated titles and rows in, bytes out)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment

from .cells import header, landscape, put, put_row, xlsx_bytes
from .csv_files import workbook_csv

WIDTHS = [17, 26, 22, 26, 32, 60]


def audit_workbook(**parts: Any) -> bytes:
    """The audit log as an .xlsx file (``parts`` as ``audit_book`` takes them)."""
    return xlsx_bytes(audit_book(**parts))


def audit_csv(**parts: Any) -> bytes:
    """The audit log as CSV: the workbook's one sheet, cell for cell."""
    return workbook_csv(audit_book(**parts))[0]


def audit_book(
    *,
    title: str,
    lines: Sequence[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    sheet_name: str,
) -> Workbook:
    """A title, the lines saying what was filtered (and what was left out), the header and
    one row per event; the last column (the changes) wraps one change per line."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31]
    put(sheet, 1, 1, title, bold=True)
    for offset, line in enumerate(lines, start=2):
        put(sheet, offset, 1, line)
    top = len(lines) + 3
    header(sheet, top, list(headers), WIDTHS)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(rows, start=top + 1):
        put_row(sheet, row, values)
        for column in range(1, len(values) + 1):
            sheet.cell(row=row, column=column).alignment = wrap
    landscape(sheet)
    return workbook
