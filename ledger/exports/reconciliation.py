"""The auditor's reconciliation workbook (pure: figures in, an .xlsx file out; no session, no
SQL).

The rows it lays out are defined here; ``services.reconciliation`` gathers them with SQL and
runs the checks. The receipts are any iterable of rows (the service streams them from the
database), written as they come, so a nation's million never sit in memory. Writing is split
in two so the slow integrity check can run meanwhile: ``start_workbook`` writes every sheet
but the checks' rows, ``Draft.finish`` writes those and closes the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from xlsxwriter.utility import xl_rowcol_to_cell

from ..money import group_digits
from ..vocab import LABELS, Method, Source
from .csv_files import CsvBook, CsvSheet
from .norms import norms_sheet
from .sheets import Book, Sheet

#: the gathered figures (``services.reconciliation.ReconciliationData``); exports may not import
#: services, so the builder reads it by attribute
Data = Any

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


class ReceiptRow(NamedTuple):
    """One line of the Phiếu thu sheet."""

    number: int
    day: date
    fund: str
    payer: str
    #: the unit the receipt counts toward ("Tính vào chỉ tiêu")
    credit: str
    method: str
    source: str
    amount: int
    #: voided by the as-of date
    voided: bool
    reference: str


class FundReceipts(NamedTuple):
    """One line of the Phiếu thu sheet when it gives each fund's totals (past the number of
    receipts one sheet lists): the fund's receipts in the window, counted and added up."""

    fund: str
    receipts: int
    valid: int
    valid_amount: int
    #: the valid receipts' Σ counted toward quotas (the checks compare it with the journal)
    quota_amount: int
    voided: int
    voided_amount: int
    first: date
    last: date


class DisbursementRow(NamedTuple):
    """One line of the Phiếu chi sheet."""

    number: int
    day: date
    fund: str
    category: str
    #: the child's name, masked unless the workbook is unmasked ("" when none)
    child: str
    children: int | None
    payee: str
    amount: int
    #: "paid", or "voided" by the as-of date
    status: str


class TransferRow(NamedTuple):
    """One line of the Chuyển quỹ sheet, as the transfer stood on the as-of date."""

    sent_on: date
    source: str
    target: str
    sent: int
    received_on: date | None
    received: int | None
    #: "sent" (still in transit on the as-of date) or "received"
    status: str
    reason: str


class CashCountRow(NamedTuple):
    """One line of the Kiểm kê quỹ sheet: a fund's cash count in the campaign's window."""

    fund: str
    day: date
    counted: int
    book_balance: int
    difference: int
    #: a ``CashCountStatus`` value
    status: str
    reason: str
    #: the cash book at the end of ``day`` as it stands now (a settled count must equal it)
    book_now: int

    @property
    def settled(self) -> bool:
        return self.status in ("balanced", "posted")


class PledgeRow(NamedTuple):
    """One line of the Cam kết ủng hộ sheet: a pledge and what receipts settled of it."""

    fund: str
    donor: str
    pledged_on: date
    due_on: date
    amount: int
    settled: int
    outstanding: int
    #: open, overdue (on the as-of date), settled or cancelled
    status: str
    #: the numbers of the receipts that settled it
    receipts: str


PLEDGE_STATUSES = {
    "open": "Đang thực hiện",
    "overdue": "Quá hạn",
    "settled": "Đã thực hiện đủ",
    "cancelled": "Đã hủy",
}


#: how the Kiểm kê quỹ sheet names a count's status
COUNT_STATUSES = {
    "balanced": "Khớp sổ",
    "pending": "Chờ duyệt chênh lệch",
    "posted": "Đã ghi sổ chênh lệch",
    "rejected": "Bị từ chối",
}


@dataclass(frozen=True)
class FundBook:
    """One fund's cash and bank movement over the campaign up to the as-of date."""

    unit_id: int
    name: str
    opening: int
    money_in: int
    money_out: int
    closing: int
    journal_balance: int


@dataclass(frozen=True)
class Check:
    """One reconciliation check: what was compared, the two figures, and whether they agree."""

    name: str
    expected: int
    actual: int
    note: str = ""
    #: the figures are counts (of children), not đồng
    counts: bool = False

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


#: reports the receipts written so far
Progress = Callable[[int], None]
#: the workbook (XlsxWriter) or its CSV twin (a .zip of one CSV per sheet): the same rows
AnyBook = Book | CsvBook
AnySheet = Sheet | CsvSheet


def start_workbook(
    data: Data, path: Path, progress: Progress | None = None, *, csv: bool = False
) -> Draft:
    """Summary with SUM formulas, detail sheets, fund books, the checks sheet's header, same
    period and anchors, from a ``services.reconciliation.Reconciliation``, written to
    ``path``; ``progress`` is told how many receipts are written as they are. With ``csv``
    the same rows go to a .zip of one CSV per sheet (the sums as their values)."""
    book: AnyBook = CsvBook(path) if csv else Book(path)
    _summary(book, data)
    _receipts(book, data, progress)
    _disbursements(book, data)
    _transfers(book, data)
    _books(book, data)
    checks = _checks(book)
    _cash_counts(book, data)
    _children(book, data)
    _pledges(book, data)
    _same_period(book, data)
    if data.norms:
        norms_sheet(book, data.norm_figures, data.norms)
    _anchors(book, data)
    return Draft(book, checks)


class Draft:
    """A workbook written but for the checks' rows (constant memory writes each sheet's rows in
    order, not the sheets: the checks sheet stays in its place)."""

    def __init__(self, book: AnyBook, checks: AnySheet):
        self.book, self.checks = book, checks

    def finish(self, checks: Iterable[Check]) -> None:
        """The checks' rows, then the file is closed."""
        for check in checks:
            self.checks.write(
                [
                    check.name,
                    check.expected,
                    check.actual,
                    "OK" if check.ok else "LỆCH",
                    check.note,
                ],
                money=set() if check.counts else {1, 2},
            )
        self.book.close()


def _summary(book: AnyBook, data: Data) -> None:
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


RECEIPT_COLUMNS = [
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
]


def _receipt_cells(receipts: Iterable[ReceiptRow]) -> Iterable[tuple[Any, ...]]:
    """Each receipt's cells: the service's rows label themselves in the one generator that
    reads them (``labelled``: a nation's million rows pass here), any other rows here."""
    labelled = getattr(receipts, "labelled", None)
    if labelled is not None:
        cells: Iterable[tuple[Any, ...]] = labelled(METHODS, SOURCES, VOIDED)
        return cells
    return (
        (
            *r[:5],
            METHODS.get(r.method, r.method),
            SOURCES.get(r.source, r.source),
            r.amount,
            VOIDED if r.voided else "",
            r.reference,
        )
        for r in receipts
    )


#: the Đã hủy column of a voided receipt
VOIDED = "ĐÃ HỦY"


FUND_RECEIPT_COLUMNS = [
    "Quỹ",
    "Số phiếu thu",
    "Phiếu hợp lệ",
    "Số tiền hợp lệ",
    "Trong đó tính vào chỉ tiêu",
    "Phiếu đã hủy",
    "Số tiền đã hủy",
    "Từ ngày",
    "Đến ngày",
]


#: where each receipt is when the Phiếu thu sheet gives each fund's totals
FUND_TOTALS_WHERE = "Từng phiếu có trong bảng đối chiếu của tỉnh hoặc đơn vị cấp dưới."


def _receipts(book: AnyBook, data: Data, progress: Progress | None) -> None:
    funds = getattr(data.receipts, "funds", None)
    if funds is not None:
        _fund_receipts(book, data, funds, progress)
        return
    sheet = book.sheet("Phiếu thu", [8, 12, 26, 30, 26, 14, 16, 16, 10, 14], freeze_row=1)
    sheet.write(RECEIPT_COLUMNS, header=True)
    sheet.table(
        _receipt_cells(data.receipts),
        "ndsssssmss",
        header=RECEIPT_COLUMNS,
        progress=progress,
    )


def _fund_receipts(
    book: AnyBook, data: Data, funds: list[FundReceipts], progress: Progress | None
) -> None:
    """The Phiếu thu sheet past one sheet of receipts: why it gives totals, then each fund's
    line and the SUM of each column (the value the app added up beside each formula)."""
    sheet = book.sheet("Phiếu thu", [34, 14, 14, 18, 18, 14, 16, 12, 12], freeze_row=3)
    count = group_digits(data.receipt_total)
    sheet.write(
        [
            f"{count} phiếu thu, quá số dòng một trang tính: trang này ghi tổng theo từng quỹ. "
            + FUND_TOTALS_WHERE
        ],
        bold=True,
    )
    sheet.skip()
    sheet.write(FUND_RECEIPT_COLUMNS, header=True)
    first = sheet.row
    sheet.table(funds, "snnmmnmdd", header=FUND_RECEIPT_COLUMNS, progress=progress)
    last = sheet.row - 1
    total = sheet.write(["Tổng cộng"], bold=True)
    sums = (
        (sum(f.receipts for f in funds), False),
        (sum(f.valid for f in funds), False),
        (sum(f.valid_amount for f in funds), True),
        (sum(f.quota_amount for f in funds), True),
        (sum(f.voided for f in funds), False),
        (sum(f.voided_amount for f in funds), True),
    )
    for column, (value, money) in enumerate(sums, start=1):
        top, bottom = xl_rowcol_to_cell(first, column), xl_rowcol_to_cell(last, column)
        sheet.formula(total, column, f"=SUM({top}:{bottom})", value, money=money)


def _disbursements(book: AnyBook, data: Data) -> None:
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
    sheet.table(
        (
            (
                d.number,
                d.day,
                d.fund,
                d.category,
                d.child,
                d.children or "",
                d.payee,
                d.amount,
                "Đã chi" if d.status == "paid" else "ĐÃ HỦY",
            )
            for d in data.disbursements
        ),
        "ndsssnsms",
    )


def _transfers(book: AnyBook, data: Data) -> None:
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
    for t in data.transfers:
        sheet.write(
            [
                t.sent_on,
                t.source,
                t.target,
                t.sent,
                t.received_on or "",
                t.received if t.received is not None else "",
                "CHƯA KHỚP — đang chuyển" if t.status == "sent" else "Đã nhận",
                t.reason,
            ],
            money={3, 5},
        )


def _books(book: AnyBook, data: Data) -> None:
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
    sheet.table(
        (
            (
                fund.name,
                fund.opening,
                fund.money_in,
                fund.money_out,
                fund.closing,
                fund.journal_balance,
                "OK" if fund.closing == fund.journal_balance else "LỆCH",
            )
            for fund in data.books
        ),
        "smmmmms",
    )


def _cash_counts(book: AnyBook, data: Data) -> None:
    """Each fund's cash counts in the window: date, counted, book, thừa/thiếu, status, reason,
    and whether the cash book still agrees with a settled count."""
    sheet = book.sheet("Kiểm kê quỹ", [34, 12, 16, 16, 16, 22, 40, 16, 8], freeze_row=1)
    sheet.write(
        [
            "Quỹ",
            "Ngày kiểm kê",
            "Kiểm kê thực tế",
            "Theo sổ quỹ khi kiểm kê",
            "Chênh lệch (thừa +, thiếu −)",
            "Trạng thái",
            "Lý do",
            "Sổ quỹ cuối ngày hiện nay",
            "Khớp",
        ],
        header=True,
    )
    sheet.table(
        (
            (
                row.fund,
                row.day,
                row.counted,
                row.book_balance,
                row.difference,
                COUNT_STATUSES.get(row.status, row.status),
                row.reason,
                row.book_now,
                ("OK" if row.book_now == row.counted else "LỆCH") if row.settled else "",
            )
            for row in getattr(data, "cash_counts", ())
        ),
        "sdmmmssms",
    )


CHILDREN = "Trẻ em được hỗ trợ"


def _children(book: AnyBook, data: Data) -> None:
    """Per category: children helped, the target and the rate; then every paid payout behind
    the count, the child by record number only (never a name), "Tính" the children it adds
    (a child already counted in the category adds 0), so an auditor can count again."""
    children = getattr(data, "children", None)
    if children is None:
        return
    sheet = book.sheet(CHILDREN, [34, 12, 12, 30, 12, 12, 16, 8])
    sheet.write([CHILDREN + f" — tính đến ngày {children.as_of:%d/%m/%Y}"], bold=True)
    sheet.write(
        [
            "Khoản chi",
            "Trẻ có hồ sơ",
            "Trẻ nhận quà nhóm",
            "Tổng số trẻ",
            "Chỉ tiêu số trẻ",
            "Tỷ lệ (%)",
        ],
        header=True,
    )
    for line in children.lines:
        sheet.write(
            [
                line.name_vi,
                line.named,
                line.grouped,
                line.count,
                line.target or "",
                line.rate if line.rate is not None else "",
            ]
        )
    sheet.write(["Tổng cộng", "", "", children.total, children.target_total or ""], bold=True)
    sheet.skip()
    names = {line.category_id: line.name_vi for line in children.lines}
    sheet.write(PAYOUT_COLUMNS, header=True)
    sheet.table(
        (
            (
                names.get(p.category_id, ""),
                p.number,
                p.day,
                p.fund,
                p.child_id,
                p.children,
                p.amount,
                p.counted,
            )
            for p in data.child_payouts
        ),
        "sndsnnmn",
        header=PAYOUT_COLUMNS,
    )


PAYOUT_COLUMNS = [
    "Khoản chi",
    "Số phiếu chi",
    "Ngày",
    "Quỹ",
    "Mã hồ sơ trẻ",
    "Số trẻ (quà nhóm)",
    "Số tiền",
    "Tính",
]


def _pledges(book: AnyBook, data: Data) -> None:
    """The campaign's pledges: promised, settled by receipts, outstanding (never collected)."""
    rows = getattr(data, "pledges", ())
    if not rows:
        return
    sheet = book.sheet("Cam kết ủng hộ", [30, 34, 12, 12, 16, 16, 16, 16, 30], freeze_row=2)
    sheet.write(
        [
            (
                "Cam kết ủng hộ chưa thực hiện không tính vào số đã vận động; chỉ phần đã có "
                "phiếu thu (còn hiệu lực) mới là tiền đã thu."
            )
        ]
    )
    sheet.write(
        [
            "Quỹ",
            "Nhà hảo tâm",
            "Ngày cam kết",
            "Hạn thực hiện",
            "Số tiền cam kết",
            "Đã thực hiện",
            "Còn lại",
            "Trạng thái",
            "Phiếu thu",
        ],
        header=True,
    )
    sheet.table(
        (
            (
                r.fund,
                r.donor,
                r.pledged_on,
                r.due_on,
                r.amount,
                r.settled,
                r.outstanding,
                PLEDGE_STATUSES.get(r.status, r.status),
                r.receipts,
            )
            for r in rows
        ),
        "ssddmmmss",
    )
    sheet.write(
        [
            "Tổng cộng (không tính cam kết đã hủy)",
            "",
            "",
            "",
            sum(r.amount for r in rows if r.status != "cancelled"),
            sum(r.settled for r in rows),
            sum(r.outstanding for r in rows),
        ],
        money={4, 5, 6},
        bold=True,
    )


def _same_period(book: AnyBook, data: Data) -> None:
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


def _checks(book: AnyBook) -> AnySheet:
    sheet = book.sheet("Kiểm tra", [70, 18, 18, 10, 50])
    sheet.write(["Kiểm tra", "Số liệu 1", "Số liệu 2", "Kết quả", "Ghi chú"], header=True)
    return sheet


def _anchors(book: AnyBook, data: Data) -> None:
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
    sheet.table(
        ((head.code, head.entry_seq, head.audit_seq, head.line()) for head in data.heads), "snns"
    )
