"""The level above's list of a period's filings as a workbook, with the "on time" column the
year-end scoring reads (pure: rows in, bytes out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook

from .cells import header, landscape, put, put_row, xlsx_bytes
from .csv_files import workbook_csv

#: a reporting unit's state as the workbook names it (``services.filing_status``)
STATE_NAMES = {
    "filed": "Đã nộp",
    "filed_late": "Nộp muộn",
    "returned": "Bị trả lại",
    "not_filed": "Chưa nộp",
    "late": "Chưa nộp (quá hạn)",
}


@dataclass(frozen=True)
class FilingLine:
    """One reporting unit's line."""

    unit_code: str
    unit_name: str
    state: str
    due: date
    filed_on: date | None
    number: str
    version: int | None
    on_time: bool | None


def filings_workbook(title: str, lines: list[FilingLine]) -> bytes:
    """The list as an .xlsx file."""
    return xlsx_bytes(filings_book(title, lines))


def filings_csv(title: str, lines: list[FilingLine]) -> bytes:
    """The list as CSV: the workbook's one sheet, cell for cell."""
    return workbook_csv(filings_book(title, lines))[0]


def filings_book(title: str, lines: list[FilingLine]) -> Workbook:
    """One sheet: unit, state, due date, filed date, number, version, on time (Có/Không/blank
    while the unit may still file on time)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Tình hình nộp"
    landscape(sheet)
    put(sheet, 1, 1, title, bold=True)
    header(
        sheet,
        3,
        [
            "Mã đơn vị",
            "Đơn vị",
            "Tình trạng",
            "Hạn nộp",
            "Ngày nộp",
            "Số, ký hiệu",
            "Lần nộp",
            "Đúng hạn",
        ],
        [16, 32, 20, 12, 12, 18, 9, 10],
    )
    for row, line in enumerate(lines, start=4):
        put_row(
            sheet,
            row,
            [
                line.unit_code,
                line.unit_name,
                STATE_NAMES.get(line.state, line.state),
                line.due,
                line.filed_on or "",
                line.number,
                line.version or "",
                {True: "Có", False: "Không", None: ""}[line.on_time],
            ],
        )
    return book
