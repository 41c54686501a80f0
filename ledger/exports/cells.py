"""Formula-safe cell writing shared by every workbook this app produces."""

from __future__ import annotations

import re
from datetime import date

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MONEY_FORMAT = '#,##0 "đ";-#,##0 "đ";0 "đ"'
DATE_FORMAT = "DD/MM/YYYY"
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
HEADER_FILL = PatternFill("solid", fgColor="DDE6EE")


def safe_text(value: str) -> str:
    """Text from users without control characters (openpyxl raises on them)."""
    if value.isprintable():  # no control, format or separator character: nothing to strip
        return value
    return _ZERO_WIDTH.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))


def put(sheet, row: int, column: int, value, *, money: bool = False, bold: bool = False):
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
    return cell


def formula(sheet, row: int, column: int, text: str, *, money: bool = True):
    """Write a formula the app itself composed (never user text)."""
    cell = sheet.cell(row=row, column=column)
    cell.value = text
    if money:
        cell.number_format = MONEY_FORMAT
    cell.font = Font(bold=True)
    return cell


def header(sheet, row: int, titles: list[str], widths: list[int] | None = None) -> None:
    """A bold, shaded header row, frozen below it, with column widths."""
    for column, title in enumerate(titles, start=1):
        cell = put(sheet, row, column, title, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for column, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def landscape(sheet) -> None:
    """Print set-up: A4 landscape, fit to width."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def stream_row(
    sheet, values, *, money: frozenset | set = frozenset(), bold: bool = False, fill: bool = False
) -> list:
    """Cells for a write-only sheet; strings are text (never formulas), money is formatted."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for index, value in enumerate(values):
        cell = WriteOnlyCell(sheet)
        if isinstance(value, str):
            cell.value = safe_text(value)
            cell.data_type = "s"
        else:
            cell.value = value
        if index in money:
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        if bold:
            cell.font = Font(bold=True)
        if fill:
            cell.fill = HEADER_FILL
        cells.append(cell)
    return cells


def stream_formula(sheet, text: str) -> object:
    """A formula cell the app composed (a SUM over its own rows)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.number_format = MONEY_FORMAT
    cell.font = Font(bold=True)
    return cell


def stream_sheet(workbook, title: str, widths: list[int], *, freeze: str | None = None):
    """A write-only sheet with column widths, A4 landscape print set-up and frozen header."""
    sheet = workbook.create_sheet(title)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    if freeze:
        sheet.freeze_panes = freeze
    landscape(sheet)
    return sheet
