"""Read uploaded .xlsx, .xls and .csv files safely: every hostile file is refused before parsing.

Checks happen on the zip directory (sizes, entry count, macros) before openpyxl sees the file;
openpyxl runs read-only with defusedxml (it refuses XML entity bombs only when defusedxml is
installed, so we require it). Rows are streamed with a cap on rows and columns.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
from openpyxl.workbook.workbook import Workbook
from openpyxl.xml import DEFUSEDXML

from .errors import ImportRejected, _l

MAX_UPLOAD = 8 * 1024 * 1024
MAX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_ENTRIES = 200
MAX_RATIO = 200
MAX_ROWS = 200_000
MAX_COLUMNS = 30

REASONS = {
    "empty": _l("tệp rỗng."),
    "too_big": _l("tệp lớn hơn 8 MB."),
    "not_xlsx": _l("tệp có đuôi .xlsx nhưng không phải bảng tính Excel hợp lệ."),
    "macro": _l("tệp có macro (VBA); hãy lưu lại dạng .xlsx thường."),
    "bomb": _l("tệp nén có kích thước giải nén bất thường (nghi là tệp độc hại)."),
    "entries": _l("tệp có quá nhiều thành phần."),
    "xml": _l("nội dung XML không hợp lệ hoặc có thực thể nguy hiểm."),
    "rows": _l("bảng có quá nhiều dòng (tối đa 200.000)."),
    "type": _l("chỉ nhận tệp .xlsx, .xls hoặc .csv."),
    "not_xls": _l("tệp có đuôi .xls nhưng không phải bảng tính Excel 97–2003 hợp lệ."),
    "encoding": _l("không đọc được mã hóa ký tự của tệp CSV (hãy lưu dạng UTF-8)."),
    "no_sheet": _l("bảng tính không có trang nào."),
    "csv": _l("tệp CSV không đúng định dạng (ví dụ một ô có dấu ngoặc kép không đóng)."),
}


class Rejected(ImportRejected):
    """A file refused before any row is read; ``reason`` is one of REASONS."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=REASONS[reason])


def read_table(filename: str, data: bytes) -> list[list[object]]:
    """The rows of the first sheet (or the CSV), each a list of cell values."""
    return list(iter_table(filename, data))


def iter_table(filename: str, data: bytes) -> Iterator[list[object]]:
    """The same rows, streamed: the file is refused here, before any row is read, when it can
    be; a row past MAX_ROWS (or an XML fault) is refused while iterating."""
    if not DEFUSEDXML:
        raise RuntimeError("defusedxml must be installed to read spreadsheets safely")
    if not data:
        raise Rejected("empty")
    if len(data) > MAX_UPLOAD:
        raise Rejected("too_big")
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith((".xlsm", ".xltm", ".xlam")):
        raise Rejected("macro")
    if name.endswith(".xls"):
        return _read_xls(data)
    if not name.endswith(".xlsx"):
        raise Rejected("type")
    _gate_zip(data)
    return _read_xlsx(data)


def _gate_zip(data: bytes) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Rejected("not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename.lower() for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Rejected("not_xlsx") from None
    if len(infos) > MAX_ENTRIES:
        raise Rejected("entries")
    if any("vbaproject" in n or n.endswith(".bin") for n in names):
        raise Rejected("macro")
    if "[content_types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise Rejected("not_xlsx")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED or any(
        i.compress_size and i.file_size / i.compress_size > MAX_RATIO for i in infos
    ):
        raise Rejected("bomb")


def _read_xlsx(data: bytes) -> Iterator[list[object]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types on malformed parts
        raise Rejected("xml" if _xml_attack(error) else "not_xlsx") from None
    if not book.worksheets:
        book.close()
        raise Rejected("no_sheet")
    return _xlsx_rows(book)


def _xlsx_rows(book: Workbook) -> Iterator[list[object]]:
    try:
        for count, row in enumerate(
            book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        ):
            if count >= MAX_ROWS:
                raise Rejected("rows")
            yield list(row)
    except Rejected:
        raise
    except Exception:  # noqa: BLE001 - any failure inside a sheet is a malformed file
        raise Rejected("xml") from None
    finally:
        book.close()


def _read_xls(data: bytes) -> Iterator[list[object]]:
    """The first sheet of an Excel 97–2003 file (xlrd; openpyxl reads only .xlsx). Anything
    xlrd cannot read, however it fails, is "not a valid .xls"; the 8 MB cap bounds its work."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        sheet = book.sheet_by_index(0) if book.nsheets else None
    except Exception:  # noqa: BLE001 - xlrd raises many types on malformed records
        raise Rejected("not_xls") from None
    if sheet is None:
        raise Rejected("no_sheet")
    if sheet.nrows > MAX_ROWS:
        raise Rejected("rows")
    return _xls_rows(sheet, book.datemode)


def _xls_rows(sheet: Any, datemode: int) -> Iterator[list[object]]:
    for index in range(sheet.nrows):
        yield [_xls_value(cell, datemode) for cell in sheet.row_slice(index, 0, MAX_COLUMNS)]


def _xls_value(cell: Any, datemode: int) -> object:
    """A cell as openpyxl would give it: dates as datetimes, whole numbers as ints, error
    and empty cells as None."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return None
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    return cell.value


def _xml_attack(error: BaseException | None) -> bool:
    """Whether defusedxml refused something anywhere in the exception's chain."""
    while error is not None:
        if type(error).__module__.startswith("defusedxml"):
            return True
        error = error.__cause__ or error.__context__
    return False


def _read_csv(data: bytes) -> Iterator[list[object]]:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Rejected("encoding")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _csv_rows(csv.reader(io.StringIO(text), dialect))


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[list[object]]:
    try:
        for count, row in enumerate(reader):
            if count >= MAX_ROWS:
                raise Rejected("rows")
            yield list(row[:MAX_COLUMNS])
    except csv.Error:
        raise Rejected("csv") from None
