"""Cell formats and formula-safe text for every workbook, and the writer for small workbooks.

Two writers, by size: small workbooks (a fund book, a period report) are openpyxl sheets
written cell by cell with ``put``/``put_row`` below; large ones (the reconciliation workbook)
stream through XlsxWriter in constant memory (``sheets.Book``). Both take their number
formats and their text cleaning from here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

#: money is whole đồng, negative with a minus sign, zero as "0 đ"
MONEY_FORMAT = '#,##0 "đ";-#,##0 "đ";0 "đ"'
DATE_FORMAT = "dd/mm/yyyy"
HEADER_COLOR = "DDE6EE"
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOR)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def safe_text(value: str) -> str:
    """Text from users without control characters (openpyxl raises on them)."""
    if value.isprintable():  # no control, format or separator character: nothing to strip
        return value
    return _ZERO_WIDTH.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))


def put(
    sheet: Any,
    row: int,
    column: int,
    value: object,
    *,
    money: bool = False,
    bold: bool = False,
    fill: bool = False,
) -> Any:
    """Write one cell; strings are always stored as text, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"  # a leading "=", "+", "-", "@" stays text
    else:
        cell.value = value
    if money:
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    if fill:
        cell.fill = HEADER_FILL
    return cell


def put_row(
    sheet: Any,
    row: int,
    values: Iterable[object],
    *,
    money: Collection[int] = (),
    bold: bool = False,
    fill: bool = False,
) -> None:
    """Write a row from column A; ``money`` lists the 0-based money columns."""
    for index, value in enumerate(values):
        put(sheet, row, index + 1, value, money=index in money, bold=bold, fill=fill)


def header(sheet: Any, row: int, titles: list[str], widths: list[int] | None = None) -> None:
    """A bold, shaded header row, frozen below it, with column widths."""
    for column, title in enumerate(titles, start=1):
        cell = put(sheet, row, column, title, bold=True, fill=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    set_widths(sheet, widths or [])
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def xlsx_bytes(workbook: Any) -> bytes:
    """A filled openpyxl workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def set_widths(sheet: Any, widths: list[int]) -> None:
    """Column widths from column A."""
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def landscape(sheet: Any) -> None:
    """Print set-up: A4 landscape, fit to width."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
