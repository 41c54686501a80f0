"""Cash book (sổ quỹ tiền mặt) and bank book (sổ tiền gửi): postings of one asset account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from ..models import Disbursement, Entry, Posting, Receipt, Transfer, Unit, select_rows
from ..vocab import EntryKind
from .donors import anonymous_donor_ids, shown_payer
from .units import account_id


@dataclass
class BookLine:
    """One line of the book, with the balance after it."""

    entry_date: date
    receipt_no: int | None
    payment_no: int | None
    description: str
    money_in: int
    money_out: int
    balance: int
    entry_id: int


@dataclass
class Book:
    """A book for a date range: opening, lines with running balance, daily totals, closing."""

    unit_id: int
    kind: str
    date_from: date
    date_to: date
    opening: int
    lines: list[BookLine] = field(default_factory=list)

    @property
    def total_in(self) -> int:
        return sum(line.money_in for line in self.lines)

    @property
    def total_out(self) -> int:
        return sum(line.money_out for line in self.lines)

    @property
    def closing(self) -> int:
        return self.opening + self.total_in - self.total_out

    def days(self) -> list[tuple[date, list[BookLine], int, int]]:
        """Lines grouped by day with that day's in and out totals."""
        grouped: dict[date, list[BookLine]] = {}
        for line in self.lines:
            grouped.setdefault(line.entry_date, []).append(line)
        return [
            (day, lines, sum(ln.money_in for ln in lines), sum(ln.money_out for ln in lines))
            for day, lines in grouped.items()
        ]


#: lines on a page of a book on screen (whole days: a longer day stays on one page)
LINES_PER_PAGE = 250


@dataclass
class BookPage:
    """One screen page of a book, as a paper book's page runs: whole days, the balance brought
    forward from the page before ("Số trang trước chuyển sang"), the page's totals and the
    balance carried to the next ("Cộng chuyển sang trang sau")."""

    number: int
    pages: int
    days: list[tuple[date, list[BookLine], int, int]]
    brought_forward: int
    page_in: int
    page_out: int

    @property
    def carried_forward(self) -> int:
        return self.brought_forward + self.page_in - self.page_out


def book_pages(book: Book, lines_per_page: int = LINES_PER_PAGE) -> list[BookPage]:
    """The book cut into pages of whole days, at most ``lines_per_page`` lines each."""
    chunks: list[list[tuple[date, list[BookLine], int, int]]] = [[]]
    count = 0
    for day in book.days():
        if chunks[-1] and count + len(day[1]) > lines_per_page:
            chunks.append([])
            count = 0
        chunks[-1].append(day)
        count += len(day[1])
    pages, carried = [], book.opening
    for number, days in enumerate(chunks, start=1):
        page_in, page_out = sum(d[2] for d in days), sum(d[3] for d in days)
        pages.append(BookPage(number, len(chunks), days, carried, page_in, page_out))
        carried += page_in - page_out
    return pages


_DESCRIPTIONS: dict[str, str] = {
    EntryKind.RECEIPT: "Thu tiền ủng hộ của {payer}",
    EntryKind.RECEIPT_VOID: "Hủy phiếu thu số {rno}",
    EntryKind.DISBURSEMENT: "Chi {payee}",
    EntryKind.DISBURSEMENT_VOID: "Hủy phiếu chi số {pno}",
    EntryKind.TRANSFER_SENT: "Chuyển quỹ cho {to_name}",
    EntryKind.TRANSFER_RECEIVED: "Nhận chuyển quỹ từ {from_name}",
}
#: a cash ↔ bank move, named by where the money went (the same words in both books)
_INTERNAL = {
    "cash": "Nộp tiền mặt vào tài khoản ngân hàng",
    "bank": "Rút tiền gửi ngân hàng nhập quỹ tiền mặt",
}
_TRANSFER_KINDS = ("transfer_sent", "transfer_received", "transfer_internal")
_PAYMENT_KINDS = ("disbursement", "disbursement_void")


def read_book(
    session: Session,
    *,
    unit_id: int,
    kind: str,
    date_from: date,
    date_to: date,
    viewer_unit_id: int | None = -1,
) -> Book:
    """The ``kind`` ("cash" or "bank") book of ``unit_id`` between two dates, inclusive; an
    anonymous donor is named only when ``viewer_unit_id`` is the fund (the default, -1: the
    fund's own use)."""
    viewer = unit_id if viewer_unit_id == -1 else viewer_unit_id
    account = account_id(session, unit_id=unit_id, kind=kind)
    opening = session.exec(
        select(func.coalesce(func.sum(Posting.amount), 0)).where(
            Posting.account_id == account, Posting.entry_date < date_from
        )
    ).one()
    book = Book(
        unit_id=unit_id, kind=kind, date_from=date_from, date_to=date_to, opening=int(opening)
    )
    running = book.opening
    for posted in _posted(session, account, date_from, date_to):
        row = _as_seen(posted, unit_id, viewer)
        running += row.amount
        receipt_no, payment_no = _numbers(row)
        book.lines.append(
            BookLine(
                entry_date=row.entry_date,
                receipt_no=receipt_no,
                payment_no=payment_no,
                description=_describe(row),
                money_in=max(row.amount, 0),
                money_out=max(-row.amount, 0),
                balance=running,
                entry_id=row.entry_id,
            )
        )
    return book


class _Posted(NamedTuple):
    """A posting of the book's account with its entry and document's words."""

    amount: int
    entry_date: date
    entry_id: int
    kind: str
    memo: str
    receipt_no: int | None
    payer_name: str | None
    reason: str | None
    payment_no: int | None
    payee_name: str | None
    transfer_no: int | None
    from_method: str | None
    transfer_memo: str | None
    from_name: str | None
    to_name: str | None
    anonymous: bool | None


def _as_seen(row: _Posted, unit_id: int, viewer: int | None) -> _Posted:
    """The line with an anonymous donor's name hidden from anyone outside the fund."""
    if not row.anonymous or row.payer_name is None:
        return row
    name = shown_payer(row.payer_name, anonymous=True, fund_id=unit_id, viewer_unit_id=viewer)
    return row._replace(payer_name=name)


def _numbers(row: _Posted) -> tuple[int | None, int | None]:
    """The receipt and payment voucher numbers of a line; a cash ↔ bank move's number is a
    phiếu chi's when cash left the till, a phiếu thu's when cash came into it."""
    if row.kind != "transfer_internal" or row.transfer_no is None:
        return row.receipt_no, row.payment_no
    if row.from_method == "cash":
        return None, row.transfer_no
    return row.transfer_no, None


def _posted(session: Session, account: int, date_from: date, date_to: date) -> list[_Posted]:
    """The account's postings between two dates, in order, each with its document's words.
    A payout's and a transfer's words, and whether a donor is hidden, are read by id after
    the lines, not joined to them: joined, PostgreSQL hashed every payout, transfer and donor
    (twice) of the country for a commune's year, 18 of the query's 25 ms at 10,000,000
    receipts (a book names few of them, and the nation's are many)."""
    lines = [_Line._make(row) for row in session.exec(_lines_query(account, date_from, date_to))]
    payouts = _by_id(session, _payouts, _ids(lines, _PAYMENT_KINDS))
    transfers = _by_id(session, _transfers, _ids(lines, _TRANSFER_KINDS))
    donors = sorted({line.donor_id for line in lines if line.donor_id is not None})
    hidden = set().union(*(anonymous_donor_ids(session, set(group)) for group in _groups(donors)))
    return [_with_document(line, payouts, transfers, hidden) for line in lines]


class _Line(NamedTuple):
    """A posting with its entry and receipt, as ``_lines_query`` reads it."""

    amount: int
    entry_date: date
    entry_id: int
    kind: str
    memo: str
    document_id: int | None
    receipt_no: int | None
    payer_name: str | None
    reason: str | None
    donor_id: int | None


_NO_PAYOUT: tuple[None, ...] = (None, None)
_NO_TRANSFER: tuple[None, ...] = (None,) * 5


def _with_document(
    line: _Line, payouts: dict[int, tuple], transfers: dict[int, tuple], hidden: set[int]
) -> _Posted:
    payout, transfer = _NO_PAYOUT, _NO_TRANSFER
    if line.kind in _PAYMENT_KINDS and line.document_id is not None:
        payout = payouts.get(line.document_id, _NO_PAYOUT)
    if line.kind in _TRANSFER_KINDS and line.document_id is not None:
        transfer = transfers.get(line.document_id, _NO_TRANSFER)
    return _Posted._make(
        (
            *line[:5],  # amount, entry_date, entry_id, kind, memo
            line.receipt_no,
            line.payer_name,
            line.reason,
            *payout,
            *transfer,
            line.donor_id in hidden,  # anonymous, or merged into an anonymous donor
        )
    )


def _ids(lines: list[_Line], kinds: tuple[str, ...]) -> list[int]:
    return sorted({line.document_id for line in lines if line.kind in kinds and line.document_id})


#: ids asked at once (SQLite binds at most 32,766 parameters to a statement)
_IDS_AT_ONCE = 5_000


def _by_id(session: Session, query: Any, ids: list[int]) -> dict[int, tuple]:
    """``query(ids)``'s rows, (id, *words), keyed by id, asked a group of ids at a time."""
    return {row[0]: tuple(row[1:]) for group in _groups(ids) for row in session.exec(query(group))}


def _groups(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in groups of ``_IDS_AT_ONCE``."""
    for start in range(0, len(ids), _IDS_AT_ONCE):
        yield ids[start : start + _IDS_AT_ONCE]


def _payouts(ids: list[int]) -> Any:
    return select_rows(Disbursement.id, Disbursement.number, Disbursement.payee_name).where(
        col(Disbursement.id).in_(ids)
    )


def _transfers(ids: list[int]) -> Any:
    sender, receiver = aliased(Unit), aliased(Unit)
    return (
        select_rows(
            Transfer.id,
            Transfer.number,
            Transfer.from_method,
            Transfer.memo,
            col(sender.name),
            col(receiver.name),
        )
        .outerjoin(sender, col(sender.id) == Transfer.from_unit_id)
        .outerjoin(receiver, col(receiver.id) == Transfer.to_unit_id)
        .where(col(Transfer.id).in_(ids))
    )


def _lines_query(account: int, date_from: date, date_to: date) -> Select[*tuple[Any, ...]]:
    is_receipt = col(Entry.kind).in_(("receipt", "receipt_void"))
    return (
        select_rows(
            Posting.amount,
            Posting.entry_date,
            col(Entry.id).label("entry_id"),
            Entry.kind,
            Entry.memo,
            Entry.document_id,
            col(Receipt.number).label("receipt_no"),
            Receipt.payer_name,
            Receipt.reason,
            Receipt.donor_id,
        )
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .outerjoin(Receipt, and_(is_receipt, col(Receipt.id) == Entry.document_id))
        .where(
            Posting.account_id == account,
            Posting.entry_date >= date_from,
            Posting.entry_date <= date_to,
        )
        .order_by(col(Posting.entry_date), col(Entry.id))
    )


def _describe(row: _Posted) -> str:
    if row.kind == "transfer_internal" and row.from_method in _INTERNAL:
        return _with_memo(_INTERNAL[row.from_method], row.transfer_memo)
    if row.kind in _TRANSFER_KINDS:
        if row.from_name is None:  # no document found: the entry's own words
            return row.memo
        text = _DESCRIPTIONS[row.kind].format(from_name=row.from_name, to_name=row.to_name)
        return _with_memo(text, row.transfer_memo)
    template = _DESCRIPTIONS.get(row.kind)
    if row.kind == "receipt" and row.reason:
        return f"{row.payer_name}: {row.reason}" if row.payer_name else row.reason
    if template:
        return template.format(
            payer=row.payer_name or "",
            rno=row.receipt_no or "",
            payee=row.payee_name or "",
            pno=row.payment_no or "",
        )
    return row.memo


def _with_memo(text: str, memo: str | None) -> str:
    """The line's words, then what the treasurer wrote when it says more."""
    return f"{text}: {memo}" if memo and memo != text else text
