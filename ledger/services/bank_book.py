"""A bank account's two sides (issue #16): the journal entries that moved its money (the book
side) and the statement lines (the bank side), each matched or not.

The book side is every entry of the fund that posted to the fund's ``bank`` ledger account and
whose document names this bank account (or names none, when it is the fund's primary
account). An entry's movement is the Σ of its postings on that account, signed like the
statement: money in > 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..exports.vouchers import voucher_number
from ..models import (
    Account,
    BankAccount,
    BankMatchEntry,
    BankMatchLine,
    BankMatchRejection,
    Disbursement,
    Entry,
    Posting,
    Receipt,
    StatementLine,
    Transfer,
    select_rows,
)
from ..vocab import EntryKind


@dataclass(frozen=True)
class Movement:
    """One entry's movement on a bank account, with the document that posted it."""

    entry_id: int
    entry_date: date
    #: signed like the statement: money in > 0
    amount: int
    kind: str
    #: receipt, disbursement, transfer, bank_fee or "" (the document's table)
    doc_kind: str
    doc_id: int | None
    #: "17/2018", or "" when the document has no voucher number
    voucher: str
    #: the payer or payee as written on the document
    party: str
    memo: str
    #: the document's own reference (số biên lai), "" when none
    reference: str
    bank_account_id: int | None


# --- the book side ----------------------------------------------------------------------


def bank_ledger_account(session: Session, unit_id: int) -> int | None:
    """The id of the fund's ``bank`` ledger account (None before the fund has one)."""
    return session.exec(
        select(Account.id).where(Account.unit_id == unit_id, Account.kind == "bank")
    ).first()


def bank_movements(
    session: Session,
    account: BankAccount,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    unmatched_only: bool = False,
) -> list[Movement]:
    """Every entry of the fund that moved money on ``account`` in the date range, oldest first."""
    found = fund_movements(
        session,
        account.unit_id,
        date_from=date_from,
        date_to=date_to,
        unmatched_only=unmatched_only,
    )
    return [m for m in found if on_account(m, account)]


def fund_movements(
    session: Session,
    unit_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    unmatched_only: bool = False,
    entry_ids: Iterable[int] | None = None,
) -> list[Movement]:
    """Every entry of the fund that moved money on its ``bank`` ledger account, whichever
    bank account its document names (``Movement.bank_account_id``)."""
    ledger_id = bank_ledger_account(session, unit_id)
    if ledger_id is None:
        return []
    query = (
        select_rows(
            col(Entry.id),
            Entry.entry_date,
            Entry.kind,
            col(Entry.document_id),
            Entry.memo,
            func.sum(Posting.amount),
        )
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .where(Posting.account_id == ledger_id)
        .group_by(
            col(Entry.id),
            col(Entry.entry_date),
            col(Entry.kind),
            col(Entry.document_id),
            col(Entry.memo),
        )
        .order_by(col(Entry.entry_date), col(Entry.id))
    )
    if date_from is not None:
        query = query.where(Posting.entry_date >= date_from)
    if date_to is not None:
        query = query.where(Posting.entry_date <= date_to)
    if entry_ids is not None:
        query = query.where(col(Entry.id).in_(list(entry_ids) or [0]))
    rows = [r for r in session.exec(query).all() if int(r[5])]
    if unmatched_only:
        matched = matched_entry_ids(session, [r[0] for r in rows])
        rows = [r for r in rows if r[0] not in matched]
    documents = _Documents(session, rows)
    return [documents.movement(*row) for row in rows]


def on_account(movement: Movement, account: BankAccount) -> bool:
    """Whether the movement's document names ``account`` (or none, and it is the primary)."""
    if movement.bank_account_id is None:
        return account.is_primary
    return movement.bank_account_id == account.id


_RECEIPT_KINDS = (EntryKind.RECEIPT, EntryKind.RECEIPT_VOID, EntryKind.RECEIPT_CORRECTION)
_PAYOUT_KINDS = (EntryKind.DISBURSEMENT, EntryKind.DISBURSEMENT_VOID)
_TRANSFER_KINDS = (
    EntryKind.TRANSFER_SENT,
    EntryKind.TRANSFER_RECEIVED,
    EntryKind.TRANSFER_INTERNAL,
)


class _Documents:
    """The documents behind a list of entries, read in one query per table."""

    def __init__(self, session: Session, rows) -> None:
        def of(kinds) -> set[int]:
            return {r[3] for r in rows if r[2] in kinds and r[3] is not None}

        self.receipts = _by_id(session, Receipt, of(_RECEIPT_KINDS))
        self.payouts = _by_id(session, Disbursement, of(_PAYOUT_KINDS))
        self.transfers = _by_id(session, Transfer, of(_TRANSFER_KINDS))
        self.fee_lines = _by_id(session, StatementLine, of((EntryKind.BANK_FEE,)))

    def movement(self, entry_id, entry_date, kind, document_id, memo, amount) -> Movement:
        base = {
            "entry_id": entry_id,
            "entry_date": entry_date,
            "amount": int(amount),
            "kind": kind,
            "doc_id": document_id,
            "memo": memo,
        }
        if kind in _RECEIPT_KINDS and document_id in self.receipts:
            r = self.receipts[document_id]
            return Movement(
                **base,
                doc_kind="receipt",
                voucher=voucher_number(r.number, r.year),
                party=r.payer_name,
                reference=r.reference,
                bank_account_id=r.bank_account_id,
            )
        if kind in _PAYOUT_KINDS and document_id in self.payouts:
            d = self.payouts[document_id]
            return Movement(
                **base,
                doc_kind="disbursement",
                voucher=voucher_number(d.number, d.year) if d.number else "",
                party=d.payee_name,
                reference="",
                bank_account_id=d.bank_account_id,
            )
        if kind in _TRANSFER_KINDS and document_id in self.transfers:
            t = self.transfers[document_id]
            leaving = kind == EntryKind.TRANSFER_SENT or (
                kind == EntryKind.TRANSFER_INTERNAL and int(amount) < 0
            )
            return Movement(
                **base,
                doc_kind="transfer",
                voucher=voucher_number(t.number, t.sent_on.year) if t.number else "",
                party="",
                reference="",
                bank_account_id=t.from_bank_account_id if leaving else t.to_bank_account_id,
            )
        if kind == EntryKind.BANK_FEE and document_id in self.fee_lines:
            line = self.fee_lines[document_id]
            return Movement(
                **base,
                doc_kind="bank_fee",
                voucher="",
                party="",
                reference=line.bank_ref,
                bank_account_id=line.bank_account_id,
            )
        return Movement(
            **base, doc_kind="", voucher="", party="", reference="", bank_account_id=None
        )


def _by_id(session: Session, model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}


def matched_entry_ids(session: Session, entry_ids: Iterable[int]) -> set[int]:
    """Which of these entries are already matched."""
    wanted = list(entry_ids)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(BankMatchEntry.entry_id).where(col(BankMatchEntry.entry_id).in_(wanted))
        ).all()
    )


def matched_line_ids(session: Session, line_ids: Iterable[int]) -> set[int]:
    """Which of these statement lines are already matched."""
    wanted = list(line_ids)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(BankMatchLine.statement_line_id).where(
                col(BankMatchLine.statement_line_id).in_(wanted)
            )
        ).all()
    )


# --- the bank side ----------------------------------------------------------------------


def unmatched_lines(
    session: Session,
    account: BankAccount,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[StatementLine]:
    """The account's statement lines no match holds yet, in the bank's order."""
    query = (
        select(StatementLine)
        .where(
            StatementLine.bank_account_id == account.id,
            col(StatementLine.id).not_in(select(BankMatchLine.statement_line_id)),
        )
        .order_by(col(StatementLine.line_date), col(StatementLine.id))
    )
    if date_from is not None:
        query = query.where(StatementLine.line_date >= date_from)
    if date_to is not None:
        query = query.where(StatementLine.line_date <= date_to)
    return list(session.exec(query).all())


def matched_lines(
    session: Session,
    account: BankAccount,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[tuple[int, StatementLine]]:
    """(match id, line) of the account's matched lines, in the bank's order."""
    query = (
        select(BankMatchLine.match_id, StatementLine)
        .join(StatementLine, col(StatementLine.id) == BankMatchLine.statement_line_id)
        .where(StatementLine.bank_account_id == account.id)
        .order_by(col(StatementLine.line_date), col(StatementLine.id))
    )
    if date_from is not None:
        query = query.where(StatementLine.line_date >= date_from)
    if date_to is not None:
        query = query.where(StatementLine.line_date <= date_to)
    return [(match_id, line) for match_id, line in session.exec(query).all()]


def rejected_pairs(session: Session, line_ids: list[int]) -> set[tuple[int, int]]:
    """(line, entry) pairs turned down for these lines."""
    if not line_ids:
        return set()
    return {
        (r.statement_line_id, r.entry_id)
        for r in session.exec(
            select(BankMatchRejection).where(
                col(BankMatchRejection.statement_line_id).in_(line_ids)
            )
        )
    }
