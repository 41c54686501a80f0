"""The writer for large workbooks: XlsxWriter, streaming rows in constant memory.

User text is written with ``write_string`` and ``strings_to_formulas`` off, so nothing a user
typed can ever become a formula; control characters are stripped. Only the builders' own
``=SUM(...)`` cells are formulas, and they carry the value the app computed.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter

from .cells import DATE_FORMAT, HEADER_COLOR, MONEY_FORMAT, safe_text


class Book:
    """One workbook being written row by row; ``close()`` returns its bytes."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self.buffer,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "in_memory": False,
            },
        )
        self.money = self.workbook.add_format({"num_format": MONEY_FORMAT})
        self.money_bold = self.workbook.add_format({"num_format": MONEY_FORMAT, "bold": True})
        self.date = self.workbook.add_format({"num_format": DATE_FORMAT})
        self.bold = self.workbook.add_format({"bold": True})
        self.header = self.workbook.add_format(
            {"bold": True, "bg_color": f"#{HEADER_COLOR}", "text_wrap": True, "valign": "vcenter"}
        )

    def sheet(self, title: str, widths: list[int], *, freeze_row: int | None = None) -> Sheet:
        """A sheet with column widths, A4 landscape fitted to width, optional frozen rows."""
        sheet = self.workbook.add_worksheet(title)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        if freeze_row is not None:
            sheet.freeze_panes(freeze_row, 0)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        return Sheet(self, sheet)

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


class Sheet:
    """Rows are written in order (constant memory); ``money`` lists the money columns."""

    def __init__(self, book: Book, sheet: Any) -> None:
        self.book, self.sheet, self.row = book, sheet, 0

    def write(
        self,
        values: Iterable[Any],
        *,
        money: Collection[int] = (),
        bold: bool = False,
        header: bool = False,
    ) -> int:
        """Write one row and return its 0-based index."""
        book, row = self.book, self.row
        for column, value in enumerate(values):
            if header:
                self.sheet.write_string(row, column, safe_text(str(value)), book.header)
            elif value is None or value == "":
                continue
            elif isinstance(value, str):
                self.sheet.write_string(row, column, safe_text(value), book.bold if bold else None)
            elif isinstance(value, bool):
                self.sheet.write_boolean(row, column, value)
            elif isinstance(value, (date, datetime)):
                self.sheet.write_datetime(row, column, _as_datetime(value), book.date)
            elif column in money:
                self.sheet.write_number(row, column, value, book.money_bold if bold else book.money)
            else:
                self.sheet.write_number(row, column, value, book.bold if bold else None)
        self.row += 1
        return row

    def table(self, rows: Iterable[Sequence[Any]], kinds: str) -> None:
        """Many rows of known column kinds (``n`` number, ``m`` money, ``d`` date, ``s`` text),
        written without per-value type dispatch: the detail sheets' fast path. Dates go in as
        Excel serial numbers with the date format, which is what ``write_datetime`` stores."""
        book, sheet = self.book, self.sheet
        number, string = sheet.write_number, sheet.write_string
        plan = [
            (column, kind, {"n": None, "m": book.money, "d": book.date, "s": None}[kind])
            for column, kind in enumerate(kinds)
        ]
        for values in rows:
            row = self.row
            for column, kind, style in plan:
                value = values[column]
                if value is None or value == "":
                    continue
                if kind == "s":
                    string(row, column, safe_text(value))
                else:
                    number(row, column, _serial(value) if kind == "d" else value, style)
            self.row += 1

    def formula(self, row: int, column: int, text: str, value: int) -> None:
        """A formula the builder composed, with the value the app computed as its result."""
        self.sheet.write_formula(row, column, text, self.book.money_bold, value)

    def skip(self) -> None:
        self.row += 1


_EXCEL_EPOCH = date(1899, 12, 30)


def _serial(value: date) -> int:
    """A date as Excel's day number (1900 date system, dates after 1 March 1900)."""
    return (value - _EXCEL_EPOCH).days


def _as_datetime(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
