"""The yearly public disclosure as a workbook and as CSV (pure: a Disclosure in, bytes out).

Both are built from one list of rows, so they say the same thing: the balances, receipts by
source and month, the donors who agreed to be named and the rest in one sum, spending by
category with payments and children counted (no child is named anywhere). The CSV is the
workbook's sheet cell for cell (``csv_files``), text that would run as a formula neutralised."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from ..vocab import LABELS, Source
from .cells import header, landscape, put, xlsx_bytes
from .csv_files import workbook_csv

OTHERS = "Các nhà hảo tâm khác"
COLUMNS = [
    "Mục",
    "Nội dung",
    *[f"Tháng {m}" for m in range(1, 13)],
    "Cộng",
    "Số lượt chi",
    "Số trẻ em",
]
#: the money columns (0-based): the twelve months and the total
MONEY_COLUMNS = tuple(range(2, 15))
_BLANK_MONTHS: list[Any] = [None] * 12


def disclosure_rows(disclosure: Any) -> list[list[Any]]:
    """Every line of the disclosure in ``COLUMNS`` order (``disclosure`` is a
    ``services.disclosure.Disclosure``; exports sit below services)."""
    d = disclosure
    rows: list[list[Any]] = [["Số dư đầu năm", "", *_BLANK_MONTHS, d.opening, None, None]]
    for line in d.sources:
        name = LABELS[Source][Source(line.source)]
        rows.append(["Thu", name, *line.months, line.total, None, None])
    rows.append(["Tổng thu", "", *_BLANK_MONTHS, d.received, None, None])
    for donor in d.donors:
        rows.append(["Nhà hảo tâm", donor.name, *_BLANK_MONTHS, donor.amount, None, None])
    if d.others:
        rows.append(["Nhà hảo tâm", OTHERS, *_BLANK_MONTHS, d.others, None, None])
    for spend in d.spending:
        rows.append(
            ["Chi", spend.name_vi, *_BLANK_MONTHS, spend.amount, spend.payments, spend.children]
        )
    rows.append(["Tổng chi", "", *_BLANK_MONTHS, d.spent, None, d.children])
    if d.transfers:
        rows.append(["Chuyển quỹ (thuần)", "", *_BLANK_MONTHS, d.transfers, None, None])
    rows.append(["Số dư cuối năm", "", *_BLANK_MONTHS, d.closing, None, None])
    return rows


def disclosure_workbook(disclosure: Any) -> bytes:
    """The disclosure as an .xlsx file."""
    return xlsx_bytes(disclosure_book(disclosure))


def disclosure_csv(disclosure: Any) -> bytes:
    """The disclosure as CSV: the workbook's one sheet, cell for cell (``csv_files``)."""
    return workbook_csv(disclosure_book(disclosure))[0]


def disclosure_book(disclosure: Any) -> Workbook:
    """One sheet: the title, the header and every row, money formatted."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Công khai {disclosure.year}"
    put(sheet, 1, 1, f"Quỹ Bảo trợ trẻ em — {disclosure.unit_name}", bold=True)
    put(sheet, 2, 1, f"CÔNG KHAI THU, CHI NĂM {disclosure.year}", bold=True)
    header(sheet, 4, COLUMNS, [18, 36, *[12] * 12, 16, 10, 10])
    for offset, values in enumerate(disclosure_rows(disclosure), start=5):
        for column, value in enumerate(values, start=1):
            if value is not None:
                put(sheet, offset, column, value, money=column - 1 in MONEY_COLUMNS)
    landscape(sheet)
    return workbook
