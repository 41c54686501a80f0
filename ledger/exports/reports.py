"""A period report (Phụ lục 01, items 8 and 9) as a workbook (pure: figures in, bytes out)."""

from __future__ import annotations

from itertools import count
from typing import Any

from openpyxl import Workbook

from .cells import landscape, put_row, set_widths, xlsx_bytes
from .csv_files import workbook_csv


def period_workbook(data: Any) -> bytes:
    """The period report as an .xlsx file."""
    return xlsx_bytes(period_book(data))


def period_csv(data: Any) -> bytes:
    """The period report as CSV: the workbook's one sheet, cell for cell."""
    return workbook_csv(period_book(data))[0]


def period_book(data: Any) -> Workbook:
    """Fund activity to the cut-off, the same period last year, spending by category.

    ``data`` is a ``services.reports.PeriodReport`` (exports sit below services, so the type
    is not imported here)."""
    p = data.progress
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Báo cáo"
    set_widths(sheet, [52, 20, 20, 12, 20, 20, 60])
    landscape(sheet)
    line = count(1)
    rows = [
        [f"{data.period.name} — {p.unit.name}"],
        [f"Số liệu đến ngày {data.period.cutoff:%d/%m/%Y}; hạn nộp {data.period.due:%d/%m/%Y}"],
        [],
        [
            "8. Hoạt động của Quỹ Bảo trợ trẻ em",
            "Kỳ này",
            "Cùng kỳ năm trước" + (" (ước tính)" if data.previous.estimated else ""),
            "Tăng/giảm (%)",
        ],
        ["Chỉ tiêu được giao", p.target, "", ""],
        ["Tổng chỉ tiêu phân bổ cho đơn vị trực thuộc", p.quota_total, "", ""],
        [
            "Số tiền đã vận động",
            p.collected,
            data.previous_collected,
            data.change if data.change is not None else "",
        ],
        ["Tỷ lệ so với chỉ tiêu được giao (%)", p.rate, "", ""],
        ["Tồn quỹ (tiền mặt + ngân hàng)", p.balance, "", ""],
        [],
        ["9. Tổng số tiền đã chi", data.spent_total, data.previous_spent, ""],
    ]
    for index, values in enumerate(rows):
        bold = index in (0, 3, 10)
        put_row(
            sheet,
            next(line),
            values,
            money={1, 2} if index != 7 else set(),
            bold=bold,
            fill=index == 3,
        )
    for _code, name_vi, _name_en, amount in data.spent:
        put_row(sheet, next(line), [f"   – {name_vi}", amount], money={1})
    if data.previous.inherited:
        mark = "ước tính — " if data.previous.estimated else ""
        put_row(
            sheet,
            next(line),
            [
                (
                    f"{mark}Cùng kỳ năm trước là tổng của các đơn vị trước sắp xếp, "
                    "mỗi đơn vị nhân tỷ lệ chuyển sang (làm tròn xuống đến đồng): "
                    f"{data.previous.describe()}"
                )
            ],
        )
    if p.pledges.count:  # promised, not collected: apart from the figures above
        next(line)
        put_row(
            sheet,
            next(line),
            [
                "Cam kết ủng hộ chưa thực hiện (không tính vào số đã vận động)",
                p.pledges.outstanding,
            ],
            money={1},
        )
    if data.rows:
        next(line)
        put_row(
            sheet,
            next(line),
            [
                "Theo đơn vị",
                "Chỉ tiêu",
                "Đã vận động",
                "Tỷ lệ (%)",
                "Cùng kỳ năm trước",
                "Tồn quỹ",
                "Ghi chú",
            ],
            bold=True,
            fill=True,
        )
        for row in data.rows:
            note = ("ước tính: " if row.previous.estimated else "") + (
                row.previous.describe() if row.previous.inherited else ""
            )
            put_row(
                sheet,
                next(line),
                [
                    row.name,
                    row.quota,
                    row.collected,
                    row.rate if row.rate is not None else "",
                    row.previous.collected,
                    row.balance,
                    note,
                ],
                money={1, 2, 4, 5},
            )
    _children(sheet, line, data)
    return workbook


def _children(sheet: Any, line: Any, data: Any) -> None:
    """Children helped per category (beside the money spent on it) against the targets."""
    children = getattr(data, "children", None)
    if children is None:
        return
    spent = {code: amount for code, _vi, _en, amount in data.spent}
    next(line)
    put_row(
        sheet,
        next(line),
        ["Trẻ em được hỗ trợ", "Đã chi", "Số trẻ", "Tỷ lệ (%)", "Chỉ tiêu số trẻ", "", "Ghi chú"],
        bold=True,
        fill=True,
    )
    for item in children.lines:
        put_row(
            sheet,
            next(line),
            [
                f"   – {item.name_vi}",
                spent.get(item.code, 0),
                item.count,
                item.rate if item.rate is not None else "",
                item.target or "",
                "",
                f"{item.grouped} trẻ nhận quà theo nhóm" if item.grouped else "",
            ],
            money={1},
        )
    put_row(
        sheet,
        next(line),
        [
            "Tổng cộng",
            sum(spent.get(i.code, 0) for i in children.lines),
            children.total,
            "",
            children.target_total or "",
        ],
        money={1},
        bold=True,
    )
