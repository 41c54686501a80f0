"""The auditor's reconciliation workbook (pure: a Reconciliation in, .xlsx bytes out)."""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from ..vocab import LABELS, Method, Source
from .sheets import Book

SUMMARY = "Đối chiếu chỉ tiêu"
COLUMNS = [
    "STT",
    "Đơn vị",
    "Chỉ tiêu",
    "Đã vận động",
    "Tỷ lệ (%)",
    "Chênh lệch",
    "Đã chi",
    "Tồn quỹ",
]
METHODS = {m.value: LABELS[Method][m] for m in Method}
#: the workbook prints the budget as "Ngân sách" (the pages say "Ngân sách cấp")
SOURCES = {s.value: LABELS[Source][s] for s in Source} | {Source.BUDGET.value: "Ngân sách"}


def reconciliation_workbook(data) -> bytes:
    """Summary with SUM formulas, detail sheets, fund books and the checks sheet."""
    book = Book()
    _summary(book, data)
    _receipts(book, data)
    _disbursements(book, data)
    _transfers(book, data)
    _books(book, data)
    _checks(book, data)
    _same_period(book, data)
    _anchors(book, data)
    return book.close()


def _summary(book: Book, data) -> None:
    p = data.progress
    sheet = book.sheet(SUMMARY, [6, 34, 16, 16, 10, 16, 16, 16], freeze_row=8)
    for label, value in [
        ("Đơn vị", p.unit.name),
        ("Đợt vận động", p.campaign.name),
        ("Tính đến ngày", p.as_of),
        ("Chỉ tiêu được giao", p.target),
        ("Tổng chỉ tiêu phân bổ", p.quota_total),
        ("Chênh lệch phân bổ", p.headroom),
    ]:
        sheet.write([label, value], money={1})
    sheet.skip()
    sheet.write(COLUMNS, header=True)
    first = sheet.row
    for index, row in enumerate(p.rows, start=1):
        sheet.write(
            [
                index,
                row.name,
                row.quota,
                row.collected,
                row.rate if row.rate is not None else "",
                row.difference,
                row.disbursed,
                row.balance,
            ],
            money={2, 3, 5, 6, 7},
        )
    own_spent = p.disbursed - sum(r.disbursed for r in p.rows)
    own_balance = p.balance - sum(r.balance for r in p.rows)
    if p.own_collected or own_spent or own_balance:
        sheet.write(
            [
                "",
                f"{p.unit.name} (quỹ cấp mình)",
                0,
                p.own_collected,
                "",
                p.own_collected,
                own_spent,
                own_balance,
            ],
            money={2, 3, 5, 6, 7},
        )
    last = sheet.row - 1
    rate = round(p.collected * 100 / p.quota_total, 1) if p.quota_total else ""
    total = sheet.write(["", "Tổng cộng", "", "", rate], bold=True)
    for column, value in (
        (2, p.quota_total),
        (3, p.collected),
        (5, p.collected - p.quota_total),
        (6, p.disbursed),
        (7, p.balance),
    ):
        top, bottom = xl_rowcol_to_cell(first, column), xl_rowcol_to_cell(last, column)
        sheet.formula(total, column, f"=SUM({top}:{bottom})", value)


def _receipts(book: Book, data) -> None:
    sheet = book.sheet("Phiếu thu", [8, 12, 26, 30, 26, 14, 16, 16, 10, 14], freeze_row=1)
    sheet.write(
        [
            "Số",
            "Ngày",
            "Quỹ",
            "Người nộp",
            "Tính vào chỉ tiêu",
            "Hình thức",
            "Nguồn",
            "Số tiền",
            "Đã hủy",
            "Số biên lai",
        ],
        header=True,
    )
    sheet.table(
        (
            (
                n,
                day,
                fund,
                payer,
                credit,
                METHODS.get(method, method),
                SOURCES.get(source, source),
                amount,
                "ĐÃ HỦY" if voided else "",
                ref,
            )
            for n, day, fund, payer, credit, method, source, amount, voided, ref in data.receipts
        ),
        "ndsssssmss",
    )


def _disbursements(book: Book, data) -> None:
    sheet = book.sheet("Phiếu chi", [8, 12, 26, 30, 22, 8, 26, 16, 10], freeze_row=1)
    sheet.write(
        [
            "Số",
            "Ngày",
            "Quỹ",
            "Khoản chi",
            "Trẻ được hỗ trợ" + ("" if data.unmasked else " (đã che)"),
            "Số trẻ",
            "Người nhận",
            "Số tiền",
            "Trạng thái",
        ],
        header=True,
    )
    for n, day, fund, category, child, count, payee, amount, status in data.disbursements:
        sheet.write(
            [
                n,
                day,
                fund,
                category,
                child,
                count or "",
                payee,
                amount,
                "Đã chi" if status == "paid" else "ĐÃ HỦY",
            ],
            money={7},
        )


def _transfers(book: Book, data) -> None:
    sheet = book.sheet("Chuyển quỹ", [12, 28, 28, 16, 12, 16, 24, 30], freeze_row=1)
    sheet.write(
        [
            "Ngày chuyển",
            "Từ quỹ",
            "Đến quỹ",
            "Số chuyển",
            "Ngày nhận",
            "Số nhận",
            "Tình trạng",
            "Lý do chênh lệch",
        ],
        header=True,
    )
    for sent_on, source, target, sent, received_on, received, status, reason in data.transfers:
        sheet.write(
            [
                sent_on,
                source,
                target,
                sent,
                received_on or "",
                received if received is not None else "",
                "CHƯA KHỚP — đang chuyển" if status == "sent" else "Đã nhận",
                reason,
            ],
            money={3, 5},
        )


def _books(book: Book, data) -> None:
    sheet = book.sheet("Sổ quỹ", [34, 16, 16, 16, 16, 16, 8], freeze_row=1)
    sheet.write(
        [
            "Quỹ (tiền mặt + ngân hàng)",
            "Tồn đầu kỳ",
            "Thu",
            "Chi",
            "Tồn cuối kỳ",
            "Số dư sổ nhật ký",
            "Khớp",
        ],
        header=True,
    )
    for fund in data.books:
        sheet.write(
            [
                fund.name,
                fund.opening,
                fund.money_in,
                fund.money_out,
                fund.closing,
                fund.journal_balance,
                "OK" if fund.closing == fund.journal_balance else "LỆCH",
            ],
            money={1, 2, 3, 4, 5},
        )


def _same_period(book: Book, data) -> None:
    """Collected to the as-of date against the same span a year before; a unit created by a
    reorganisation is compared with Σ predecessor × share, "ước tính" when a share < 100 %."""
    if data.same_period is None:
        return
    p = data.progress
    sheet = book.sheet("Cùng kỳ năm trước", [34, 16, 16, 12, 60], freeze_row=1)
    sheet.write(
        [
            "Đơn vị",
            "Đã vận động",
            "Cùng kỳ năm trước",
            "Ước tính",
            "Đơn vị trước sắp xếp × tỷ lệ (làm tròn xuống đến đồng)",
        ],
        header=True,
    )
    lines = [(r.name, r.collected, data.same_rows.get(r.unit_id)) for r in p.rows]
    lines.append((f"{p.unit.name} (toàn đơn vị)", p.collected, data.same_period))
    for name, collected, same in lines:
        if same is None:
            continue
        sheet.write(
            [
                name,
                collected,
                same.collected,
                "ước tính" if same.estimated else "",
                same.describe(),
            ],
            money={1, 2},
        )


def _checks(book: Book, data) -> None:
    sheet = book.sheet("Kiểm tra", [70, 18, 18, 10, 50])
    sheet.write(["Kiểm tra", "Số liệu 1", "Số liệu 2", "Kết quả", "Ghi chú"], header=True)
    for check in data.checks:
        sheet.write(
            [check.name, check.expected, check.actual, "OK" if check.ok else "LỆCH", check.note],
            money={1, 2},
        )


def _anchors(book: Book, data) -> None:
    sheet = book.sheet("Dấu neo chuỗi", [30, 12, 12, 150])
    sheet.write(
        [
            (
                "Các dấu neo dưới đây là đỉnh chuỗi băm của từng quỹ khi lập sổ này. Lưu tệp; "
                "`flask --app ledger check --anchors <tệp>` sẽ phát hiện mọi sửa đổi về sau."
            )
        ]
    )
    sheet.write(
        ["Mã quỹ", "Bút toán", "Nhật ký", "Dấu neo (mã, bút toán, nhật ký kiểm toán)"], header=True
    )
    for head in data.heads:
        sheet.write([head.code, head.entry_seq, head.audit_seq, head.line()])
