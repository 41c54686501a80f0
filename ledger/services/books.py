"""Cash book (sổ quỹ tiền mặt) and bank book (sổ tiền gửi): postings of one asset account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from ..models import Disbursement, Entry, Posting, Receipt, select_rows
from ..vocab import EntryKind
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


_DESCRIPTIONS: dict[str, str] = {
    EntryKind.RECEIPT: "Thu tiền ủng hộ của {payer}",
    EntryKind.RECEIPT_VOID: "Hủy phiếu thu số {rno}",
    EntryKind.DISBURSEMENT: "Chi {payee}",
    EntryKind.DISBURSEMENT_VOID: "Hủy phiếu chi số {pno}",
    EntryKind.TRANSFER_SENT: "Chuyển quỹ",
    EntryKind.TRANSFER_RECEIVED: "Nhận chuyển quỹ",
    EntryKind.TRANSFER_INTERNAL: "Chuyển tiền mặt ↔ ngân hàng",
}


def read_book(session: Session, *, unit_id: int, kind: str, date_from: date, date_to: date) -> Book:
    """The ``kind`` ("cash" or "bank") book of ``unit_id`` between two dates, inclusive."""
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
    for row in map(_Posted._make, session.exec(_lines_query(account, date_from, date_to))):
        running += row.amount
        book.lines.append(
            BookLine(
                entry_date=row.entry_date,
                receipt_no=row.receipt_no,
                payment_no=row.payment_no,
                description=_describe(row),
                money_in=max(row.amount, 0),
                money_out=max(-row.amount, 0),
                balance=running,
                entry_id=row.entry_id,
            )
        )
    return book


class _Posted(NamedTuple):
    """A posting of the book's account with its entry and document, as ``_lines_query`` reads it."""

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


def _lines_query(account: int, date_from: date, date_to: date) -> Select[*tuple[Any, ...]]:
    is_receipt = col(Entry.kind).in_(("receipt", "receipt_void"))
    is_payment = col(Entry.kind).in_(("disbursement", "disbursement_void"))
    return (
        select_rows(
            Posting.amount,
            Posting.entry_date,
            col(Entry.id).label("entry_id"),
            Entry.kind,
            Entry.memo,
            col(Receipt.number).label("receipt_no"),
            Receipt.payer_name,
            Receipt.reason,
            col(Disbursement.number).label("payment_no"),
            Disbursement.payee_name,
        )
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .outerjoin(Receipt, and_(is_receipt, col(Receipt.id) == Entry.document_id))
        .outerjoin(Disbursement, and_(is_payment, col(Disbursement.id) == Entry.document_id))
        .where(
            Posting.account_id == account,
            Posting.entry_date >= date_from,
            Posting.entry_date <= date_to,
        )
        .order_by(col(Posting.entry_date), col(Entry.id))
    )


def _describe(row: _Posted) -> str:
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
