"""The auditor's reconciliation workbook (pure: a Reconciliation in, .xlsx bytes out)."""
from __future__ import annotations

import io

from openpyxl import Workbook

from .cells import stream_formula, stream_row, stream_sheet

SUMMARY = "Đối chiếu chỉ tiêu"
COLUMNS = ["STT", "Đơn vị", "Chỉ tiêu", "Đã vận động", "Tỷ lệ (%)", "Chênh lệch", "Đã chi",
           "Tồn quỹ"]
METHODS = {"cash": "Tiền mặt", "bank": "Chuyển khoản", "in_kind": "Hiện vật"}
SOURCES = {"donation": "Ủng hộ", "designated": "Ủng hộ có địa chỉ", "budget": "Ngân sách",
           "interest": "Lãi tiền gửi", "other": "Khác"}


def reconciliation_workbook(data) -> bytes:
    """Summary with SUM formulas, detail sheets, fund books and the checks sheet."""
    workbook = Workbook(write_only=True)
    _summary(workbook, data)
    _receipts(workbook, data)
    _disbursements(workbook, data)
    _transfers(workbook, data)
    _books(workbook, data)
    _checks(workbook, data)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _summary(workbook, data) -> None:
    p = data.progress
    sheet = stream_sheet(workbook, SUMMARY, [6, 34, 16, 16, 10, 16, 16, 16], freeze="A9")
    header = [("Đơn vị", p.unit.name), ("Đợt vận động", p.campaign.name),
              ("Tính đến ngày", p.as_of), ("Chỉ tiêu được giao", p.target),
              ("Tổng chỉ tiêu phân bổ", p.quota_total), ("Chênh lệch phân bổ", p.headroom)]
    for label, value in header:
        sheet.append(stream_row(sheet, [label, value], money={1} if isinstance(value, int) else set(),
                                bold=False))
    sheet.append([])
    sheet.append(stream_row(sheet, COLUMNS, bold=True, fill=True))
    first = 9
    for index, row in enumerate(p.rows, start=1):
        sheet.append(stream_row(sheet, [index, row.name, row.quota, row.collected,
                                        row.rate if row.rate is not None else "",
                                        row.difference, row.disbursed, row.balance],
                                money={2, 3, 5, 6, 7}))
    last = first + len(p.rows) - 1
    own_spent = p.disbursed - sum(r.disbursed for r in p.rows)
    own_balance = p.balance - sum(r.balance for r in p.rows)
    if p.own_collected or own_spent or own_balance:
        last += 1
        sheet.append(stream_row(sheet, ["", f"{p.unit.name} (quỹ cấp mình)", 0, p.own_collected,
                                        "", p.own_collected, own_spent, own_balance],
                                money={2, 3, 5, 6, 7}))
    sums = {letter: stream_formula(sheet, f"=SUM({letter}{first}:{letter}{last})")
            for letter in "CDFGH"}
    rate = round(p.collected * 100 / p.quota_total, 1) if p.quota_total else ""
    sheet.append(stream_row(sheet, ["", "Tổng cộng"], bold=True)
                 + [sums["C"], sums["D"], *stream_row(sheet, [rate], bold=True),
                    sums["F"], sums["G"], sums["H"]])


def _receipts(workbook, data) -> None:
    sheet = stream_sheet(workbook, "Phiếu thu", [8, 12, 26, 30, 26, 14, 16, 16, 10, 14],
                         freeze="A2")
    sheet.append(stream_row(sheet, ["Số", "Ngày", "Quỹ", "Người nộp", "Tính vào chỉ tiêu",
                                    "Hình thức", "Nguồn", "Số tiền", "Đã hủy", "Số biên lai"],
                            bold=True, fill=True))
    for n, day, fund, payer, credit, method, source, amount, voided, ref in data.receipts:
        sheet.append(stream_row(sheet, [n, day, fund, payer, credit, METHODS.get(method, method),
                                        SOURCES.get(source, source), amount,
                                        "ĐÃ HỦY" if voided else "", ref], money={7}))


def _disbursements(workbook, data) -> None:
    sheet = stream_sheet(workbook, "Phiếu chi", [8, 12, 26, 30, 22, 8, 26, 16, 10], freeze="A2")
    sheet.append(stream_row(sheet, ["Số", "Ngày", "Quỹ", "Khoản chi",
                                    "Trẻ được hỗ trợ" + ("" if data.unmasked else " (đã che)"),
                                    "Số trẻ", "Người nhận", "Số tiền", "Trạng thái"],
                            bold=True, fill=True))
    for n, day, fund, category, child, count, payee, amount, status in data.disbursements:
        sheet.append(stream_row(sheet, [n, day, fund, category, child, count or "", payee, amount,
                                        "Đã chi" if status == "paid" else "ĐÃ HỦY"], money={7}))


def _transfers(workbook, data) -> None:
    sheet = stream_sheet(workbook, "Chuyển quỹ", [12, 28, 28, 16, 12, 16, 16, 30], freeze="A2")
    sheet.append(stream_row(sheet, ["Ngày chuyển", "Từ quỹ", "Đến quỹ", "Số chuyển", "Ngày nhận",
                                    "Số nhận", "Tình trạng", "Lý do chênh lệch"],
                            bold=True, fill=True))
    for sent_on, source, target, sent, received_on, received, status, reason in data.transfers:
        sheet.append(stream_row(sheet, [sent_on, source, target, sent, received_on or "",
                                        received if received is not None else "",
                                        "CHƯA KHỚP — đang chuyển" if status == "sent" else "Đã nhận",
                                        reason], money={3, 5}))


def _books(workbook, data) -> None:
    sheet = stream_sheet(workbook, "Sổ quỹ", [34, 16, 16, 16, 16, 16, 8], freeze="A2")
    sheet.append(stream_row(sheet, ["Quỹ (tiền mặt + ngân hàng)", "Tồn đầu kỳ", "Thu", "Chi",
                                    "Tồn cuối kỳ", "Số dư sổ nhật ký", "Khớp"],
                            bold=True, fill=True))
    for book in data.books:
        sheet.append(stream_row(sheet, [book.name, book.opening, book.money_in, book.money_out,
                                        book.closing, book.journal_balance,
                                        "OK" if book.closing == book.journal_balance else "LỆCH"],
                                money={1, 2, 3, 4, 5}))


def _checks(workbook, data) -> None:
    sheet = stream_sheet(workbook, "Kiểm tra", [70, 18, 18, 10, 50])
    sheet.append(stream_row(sheet, ["Kiểm tra", "Số liệu 1", "Số liệu 2", "Kết quả", "Ghi chú"],
                            bold=True, fill=True))
    for check in data.checks:
        sheet.append(stream_row(sheet, [check.name, check.expected, check.actual,
                                        "OK" if check.ok else "LỆCH", check.note], money={1, 2}))
