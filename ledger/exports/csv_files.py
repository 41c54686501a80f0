"""CSV beside every workbook (pure: a workbook's cells in, bytes out).

A CSV is made from the very cells its workbook holds (``workbook_csv`` reads the openpyxl
workbook the builder filled; ``CsvBook`` takes the streamed rows the reconciliation builder
writes), so the two downloads cannot say different things. Every CSV here is:

- UTF-8 with a byte-order mark (Excel reads the Vietnamese accents), comma-separated, each
  line ending in CRLF (RFC 4180);
- numbers as plain numbers: money in whole đồng with no thousands separator, rates with a dot;
- dates as ``dd/mm/yyyy`` (the app's date format);
- every text quoted, and a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return prefixed with ``'`` so a spreadsheet shows it instead of running it (OWASP "CSV
  Injection");
- a workbook of several sheets becomes a .zip of one CSV per sheet, numbered in sheet order.
"""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from .cells import safe_text

CSV_TYPE = "text/csv; charset=utf-8"
ZIP_TYPE = "application/zip"
BOM = "\ufeff"
#: what a spreadsheet reads as the start of a formula (OWASP "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: object) -> object:
    """One cell as the CSV writes it: numbers as they are, dates ``dd/mm/yyyy``, text cleaned
    of control characters and neutralised if a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return (
            f"{value:%d/%m/%Y}"
            if value.time() == datetime.min.time()
            else f"{value:%d/%m/%Y %H:%M}"
        )
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, (int, float)):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    text = safe_text(str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def _writer(handle: IO[str]) -> Any:
    """Texts quoted, numbers bare, CRLF (``QUOTE_NONNUMERIC``; an empty cell is ``""``)."""
    return csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows of cells as one CSV file."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = _writer(buffer)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def sheet_rows(sheet: Any) -> list[list[object]]:
    """An openpyxl sheet's values, row by row from A1, each row as wide as the sheet."""
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def sheet_csv(sheet: Any) -> bytes:
    """One openpyxl sheet as a CSV file."""
    return csv_bytes(sheet_rows(sheet))


def workbook_csv(workbook: Any) -> tuple[bytes, str]:
    """An openpyxl workbook as CSV: ``(bytes, "csv")`` for one sheet, ``(zip, "zip")`` of one
    CSV per sheet for several."""
    sheets = workbook.worksheets
    if len(sheets) == 1:
        return sheet_csv(sheets[0]), "csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, sheet in enumerate(sheets, start=1):
            archive.writestr(member_name(number, sheet.title), sheet_csv(sheet))
    return buffer.getvalue(), "zip"


def member_name(number: int, title: str) -> str:
    """A sheet's file in the .zip: its number and its title without accents ("02-phieu-thu.csv"),
    so every unzip tool names it the same."""
    plain = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if unicodedata.category(c) != "Mn" and c.isascii())
    words = "".join(c if c.isalnum() else " " for c in plain.lower()).split()
    return f"{number:02d}-{'-'.join(words) or 'sheet'}.csv"


class CsvBook:
    """The reconciliation workbook's rows as a .zip of one CSV per sheet, written to ``path``
    on ``close()``: the same calls as ``sheets.Book`` (``sheet``, then each sheet's ``write``,
    ``table``, ``formula``, ``skip``), each sheet streamed to its own temporary file, so a
    nation's million receipts never sit in memory. A sheet is never split: a CSV has no last
    row."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        #: removed on ``close()``, or when the book is dropped half-written (a cancelled job)
        self.scratch = tempfile.TemporaryDirectory(prefix="csv-", dir=self.path.parent)
        self.folder = Path(self.scratch.name)
        self.sheets: list[CsvSheet] = []

    def sheet(self, title: str, widths: list[int], *, freeze_row: int | None = None) -> CsvSheet:
        """A new sheet (``widths`` and ``freeze_row`` mean nothing in a CSV)."""
        name = member_name(len(self.sheets) + 1, title)
        sheet = CsvSheet((self.folder / name).open("w", encoding="utf-8", newline=""), name)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        """Zip the sheets' files into ``path`` and remove them."""
        try:
            with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                for sheet in self.sheets:
                    sheet.close()
                    archive.write(self.folder / sheet.name, sheet.name)
        finally:
            self.scratch.cleanup()


class CsvSheet:
    """One sheet's CSV. The last row written is held until the next, so a ``formula`` (the
    total row's sums) can still set its cells: the CSV carries the value, not the formula."""

    def __init__(self, handle: IO[str], name: str) -> None:
        self.handle, self.name, self.row = handle, name, 0
        handle.write(BOM)
        self.writer = _writer(handle)
        self.held: list[object] | None = None

    def write(
        self,
        values: Iterable[Any],
        *,
        money: Collection[int] = (),
        bold: bool = False,
        header: bool = False,
    ) -> int:
        """One row; returns its 0-based index (as ``sheets.Sheet.write`` does)."""
        self._release()
        self.held = list(values)
        self.row += 1
        return self.row - 1

    def table(
        self,
        rows: Iterable[Sequence[Any]],
        kinds: str,
        *,
        header: Sequence[str] = (),
        progress: Any = None,
    ) -> int:
        """Many rows; returns how many (``progress`` is told every 5,000 and at the end)."""
        self._release()
        written = 0
        for values in rows:
            self.writer.writerow([csv_value(v) for v in values])
            written += 1
            if progress is not None and written % 5_000 == 0:
                progress(written)
        self.row += written
        if progress is not None:
            progress(written)
        return written

    def formula(self, row: int, column: int, text: str, value: int, *, money: bool = True) -> None:
        """The value the app computed, in the held row's cell (the CSV has no formulas)."""
        if self.held is None or row != self.row - 1:
            raise ValueError("a CSV sheet can only complete the row it just wrote")
        self.held.extend([None] * (column + 1 - len(self.held)))
        self.held[column] = value

    def skip(self) -> None:
        self._release()
        self.held = []
        self.row += 1

    def close(self) -> None:
        self._release()
        self.handle.close()

    def _release(self) -> None:
        if self.held is not None:
            self.writer.writerow([csv_value(v) for v in self.held])
            self.held = None
