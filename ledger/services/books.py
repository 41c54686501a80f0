"""Cash book (sổ quỹ tiền mặt) and bank book (sổ tiền gửi): postings of one asset account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select
from sqlmodel import Session

from ..models import Disbursement, Entry, Posting, Receipt
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


_DESCRIPTIONS = {
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
    ).scalar_one()
    book = Book(
        unit_id=unit_id, kind=kind, date_from=date_from, date_to=date_to, opening=int(opening)
    )
    running = book.opening
    for row in session.exec(_lines_query(account, date_from, date_to)).all():
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


def _lines_query(account: int, date_from: date, date_to: date):
    is_receipt = Entry.kind.in_(("receipt", "receipt_void"))
    is_payment = Entry.kind.in_(("disbursement", "disbursement_void"))
    return (
        select(
            Posting.amount,
            Posting.entry_date,
            Entry.id.label("entry_id"),
            Entry.kind,
            Entry.memo,
            Receipt.number.label("receipt_no"),
            Receipt.payer_name,
            Receipt.reason,
            Disbursement.number.label("payment_no"),
            Disbursement.payee_name,
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .outerjoin(Receipt, and_(is_receipt, Receipt.id == Entry.document_id))
        .outerjoin(Disbursement, and_(is_payment, Disbursement.id == Entry.document_id))
        .where(
            Posting.account_id == account,
            Posting.entry_date >= date_from,
            Posting.entry_date <= date_to,
        )
        .order_by(Posting.entry_date, Entry.id)
    )


def _describe(row) -> str:
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
