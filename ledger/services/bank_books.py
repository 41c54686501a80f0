"""A bank account's side of the books: the fund keeps one ``bank`` ledger account however many
accounts it holds at banks, so a posting belongs to the bank account its document names
(``bank_account_id`` on receipts and disbursements, the sending or receiving account on
transfers; None is the fund's primary account). An entry without such a document (a bank fee,
a reorganisation) belongs to the account it was matched on, else the primary one.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, literal
from sqlmodel import Session, col, select

from ..models import (
    Account,
    BankAccount,
    BankMatch,
    BankMatchEntry,
    Disbursement,
    Entry,
    Posting,
    Receipt,
    Transfer,
)

_RECEIPT_KINDS = ("receipt", "receipt_void", "receipt_correction")
_PAYMENT_KINDS = ("disbursement", "disbursement_void")
_TRANSFER_KINDS = ("transfer_sent", "transfer_received", "transfer_internal")


def bank_account_of_posting():
    """The bank account a bank posting moved money on, by its document (None: the primary);
    an entry without such a document (a bank fee, a reorganisation) is the account it was
    matched on, else the primary."""
    kind, amount = col(Entry.kind), col(Posting.amount)
    return case(
        (kind.in_(_RECEIPT_KINDS), col(Receipt.bank_account_id)),
        (kind.in_(_PAYMENT_KINDS), col(Disbursement.bank_account_id)),
        (kind == "transfer_received", col(Transfer.to_bank_account_id)),
        (and_(kind.in_(_TRANSFER_KINDS), amount < 0), col(Transfer.from_bank_account_id)),
        (kind == "transfer_internal", col(Transfer.to_bank_account_id)),
        else_=col(BankMatch.bank_account_id),
    )


def bank_postings(account: BankAccount, primary_id: int | None):
    """(entry id, date, amount) of the fund's bank postings that moved money on ``account``."""
    owner = func.coalesce(bank_account_of_posting(), literal(primary_id))
    return (
        select(col(Posting.entry_id), col(Posting.entry_date), col(Posting.amount))
        .join(Account, col(Account.id) == Posting.account_id)
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .outerjoin(
            Receipt,
            and_(col(Entry.kind).in_(_RECEIPT_KINDS), col(Receipt.id) == Entry.document_id),
        )
        .outerjoin(
            Disbursement,
            and_(col(Entry.kind).in_(_PAYMENT_KINDS), col(Disbursement.id) == Entry.document_id),
        )
        .outerjoin(
            Transfer,
            and_(col(Entry.kind).in_(_TRANSFER_KINDS), col(Transfer.id) == Entry.document_id),
        )
        .outerjoin(BankMatchEntry, col(BankMatchEntry.entry_id) == Entry.id)
        .outerjoin(BankMatch, col(BankMatch.id) == BankMatchEntry.match_id)
        .where(Account.unit_id == account.unit_id, Account.kind == "bank", owner == account.id)
    )


def primary_id(session: Session, unit_id: int) -> int | None:
    return session.exec(
        select(BankAccount.id).where(BankAccount.unit_id == unit_id, col(BankAccount.is_primary))
    ).first()


def books_entries(
    session: Session, account: BankAccount, through: date
) -> dict[int, tuple[date, int]]:
    """Entry id → its date and its movement on ``account`` (Σ of its bank postings), dated up
    to ``through``."""
    query = bank_postings(account, primary_id(session, account.unit_id)).where(
        Posting.entry_date <= through
    )
    moved: dict[int, tuple[date, int]] = {}
    for entry_id, day, amount in session.exec(query).all():
        moved[entry_id] = (day, moved.get(entry_id, (day, 0))[1] + int(amount))
    return moved


def books_balance(session: Session, account: BankAccount, through: date) -> int:
    """The books' balance of ``account`` at the end of ``through``."""
    inner = bank_postings(account, primary_id(session, account.unit_id)).where(
        Posting.entry_date <= through
    )
    rows = inner.subquery()
    return int(session.exec(select(func.coalesce(func.sum(rows.c.amount), 0))).one())


def daily_books(session: Session, account: BankAccount) -> list[tuple[date, int]]:
    """The account's book movement per day, in date order (one query)."""
    rows = bank_postings(account, primary_id(session, account.unit_id)).subquery()
    found = session.exec(
        select(rows.c.entry_date, func.sum(rows.c.amount))
        .group_by(rows.c.entry_date)
        .order_by(rows.c.entry_date)
    ).all()
    return [(day, int(amount)) for day, amount in found]
