"""The bank and the cash box against the books (issue #16): a fund's bank accounts, the
statements imported from them, the lines matched to the journal, statement reconciliations and
cash counts.

The fund keeps one ``bank`` ledger account (``Account.kind == "bank"``) however many accounts it
holds at banks: the documents that move bank money name which one (``bank_account_id`` on
receipts, disbursements and transfers; None is the fund's primary account), so a statement is
reconciled against its own account's postings.

A statement line is matched to the journal entries that moved the same money on the bank side
(one line ↔ one entry, one line ↔ several entries: a deposit of several cash receipts, several
lines ↔ one entry): a ``BankMatch`` groups the lines (``BankMatchLine``) and the entries
(``BankMatchEntry``), each line and each entry at most once (unique), and the service refuses a
match whose two sides do not sum to the same đồng. A rejected suggestion is remembered
(``BankMatchRejection``) so it is not offered again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel, col

from ..vocab import CashCountStatus, MatchKind
from .base import money, one_of, timestamp


class BankAccount(SQLModel, table=True):
    """An account of a fund at a bank (tài khoản tiền gửi): where transfers arrive, what a
    statement is imported into and what a VietQR code names."""

    __table_args__ = (
        UniqueConstraint("bank_bin", "account_number"),
        CheckConstraint("length(bank_bin) = 6", name="bin_six_digits"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="open_span"),
    )
    id: int = Field(default=None, primary_key=True)
    #: the fund that holds it
    unit_id: int = Field(foreign_key="unit.id", index=True)
    #: the bank's short name as people say it ("Vietcombank", "Agribank")
    bank_name: str = Field(max_length=100)
    #: the bank's identification number in NAPAS (BIN, 6 digits, e.g. 970436 Vietcombank)
    bank_bin: str = Field(max_length=6)
    #: chi nhánh / phòng giao dịch
    branch: str = Field(default="", max_length=200)
    #: số tài khoản, digits (and letters for a few banks), no spaces
    account_number: str = Field(max_length=30)
    #: chủ tài khoản as the bank prints it (VietQR shows it to the payer)
    holder_name: str = Field(default="", max_length=200)
    #: the fund's account that transfers arrive on when a document names none
    is_primary: bool = False
    #: the statement layout last used (a preset's key, or "custom")
    statement_layout: str = Field(default="", max_length=30)
    #: the column mapping the user picked once (JSON), remembered for the next import
    column_map: str = Field(default="", sa_type=Text)
    opened_on: date
    closed_on: date | None = None
    created_at: datetime = timestamp()


#: at most one primary account per fund
Index(
    "uq_bankaccount_primary",
    col(BankAccount.unit_id),
    unique=True,
    sqlite_where=text("is_primary"),
    postgresql_where=text("is_primary"),
)


class BankStatement(SQLModel, table=True):
    """One imported statement file (sao kê): its period and the bank's balances, as printed."""

    id: int = Field(default=None, primary_key=True)
    bank_account_id: int = Field(foreign_key="bankaccount.id", index=True)
    filename: str = Field(max_length=255)
    #: sha256 of the file's bytes
    file_hash: str = Field(max_length=64)
    period_from: date
    period_to: date
    #: the bank's opening and closing balance when the file prints them (số dư đầu/cuối kỳ)
    opening_balance: int | None = money(nullable=True)
    closing_balance: int | None = money(nullable=True)
    #: lines read from the file, and how many of them were new (the others already imported)
    lines_read: int = 0
    lines_new: int = 0
    imported_by_id: int | None = Field(default=None, foreign_key="user.id")
    imported_at: datetime = timestamp()


class StatementLine(SQLModel, table=True):
    """One movement on the bank's side: credit positive, debit negative, in đồng."""

    __table_args__ = (
        UniqueConstraint("bank_account_id", "fingerprint"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )
    id: int = Field(default=None, primary_key=True)
    bank_account_id: int = Field(foreign_key="bankaccount.id")
    #: the statement that first brought it in (a later, overlapping one adds nothing)
    statement_id: int = Field(foreign_key="bankstatement.id", index=True)
    #: ngày giao dịch (the booking date)
    line_date: date
    #: ngày hiệu lực, when the statement gives it
    value_date: date | None = None
    #: credit > 0 (tiền vào), debit < 0 (tiền ra)
    amount: int = money()
    #: số dư sau giao dịch, when the statement gives it
    balance_after: int | None = money(nullable=True)
    #: the bank's transaction number (số bút toán / số tham chiếu), "" when none
    bank_ref: str = Field(default="", max_length=100)
    #: nội dung / diễn giải / mô tả, as printed
    description: str = Field(default="", max_length=1000)
    #: the counterparty's name and account when the statement has columns for them
    counterparty: str = Field(default="", max_length=300)
    #: what makes the line the same line in an overlapping statement (date, amount, ref or
    #: description, and its occurrence among identical lines)
    fingerprint: str = Field(max_length=64)
    #: 1-based position in its statement, to show lines in the bank's order
    position: int = 0


Index(
    "ix_statementline_account_date",
    col(StatementLine.bank_account_id),
    col(StatementLine.line_date),
    col(StatementLine.id),
)


class BankMatch(SQLModel, table=True):
    """Statement lines and journal entries that are the same money (they sum to the same đồng)."""

    __table_args__ = (one_of("kind", MatchKind),)
    id: int = Field(default=None, primary_key=True)
    bank_account_id: int = Field(foreign_key="bankaccount.id", index=True)
    #: suggested and confirmed, or matched by hand
    kind: str = Field(max_length=20)
    #: why it was suggested ("cùng số tiền, cách 1 ngày, mã tham chiếu 123456"), as shown
    reason: str = Field(default="", max_length=500)
    made_by_id: int | None = Field(default=None, foreign_key="user.id")
    made_at: datetime = timestamp()


class BankMatchLine(SQLModel, table=True):
    """A statement line of a match (a line belongs to at most one match)."""

    match_id: int = Field(foreign_key="bankmatch.id", primary_key=True)
    statement_line_id: int = Field(foreign_key="statementline.id", primary_key=True, unique=True)


class BankMatchEntry(SQLModel, table=True):
    """A journal entry of a match (an entry is matched at most once)."""

    match_id: int = Field(foreign_key="bankmatch.id", primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", primary_key=True, unique=True)
    #: the entry's movement on the fund's bank account (Σ of its bank postings), kept so a
    #: match's two sides are compared without re-reading postings
    amount: int = money()


class BankMatchRejection(SQLModel, table=True):
    """A suggestion the treasurer turned down: not offered again."""

    statement_line_id: int = Field(foreign_key="statementline.id", primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", primary_key=True)
    rejected_by_id: int | None = Field(default=None, foreign_key="user.id")
    rejected_at: datetime = timestamp()


class BankReconciliation(SQLModel, table=True):
    """Bảng đối chiếu số dư tài khoản tiền gửi: the bank's balance and the books' on one date,
    the difference explained line by line; saved once, immutable, locked with the period."""

    __table_args__ = (
        UniqueConstraint("bank_account_id", "period_to"),
        CheckConstraint("period_to >= period_from", name="period_span"),
    )
    id: int = Field(default=None, primary_key=True)
    bank_account_id: int = Field(foreign_key="bankaccount.id", index=True)
    period_from: date
    period_to: date
    #: the bank's side: opening + Σ lines = closing
    bank_opening: int = money()
    bank_credits: int = money()
    bank_debits: int = money()
    bank_closing: int = money()
    #: the books' bank balance for this account at the end of ``period_to``
    books_closing: int = money()
    #: Σ lines in the bank not in the books (signed), Σ entries in the books not in the bank
    in_bank_only: int = money()
    in_books_only: int = money()
    #: bank_closing − in_bank_only + in_books_only − books_closing: zero when reconciled
    difference: int = money()
    #: the explaining items as shown and printed (JSON list), frozen when saved
    items: str = Field(default="[]", sa_type=Text)
    note: str = Field(default="", max_length=1000)
    made_by_id: int | None = Field(default=None, foreign_key="user.id")
    made_at: datetime = timestamp()


class CashCount(SQLModel, table=True):
    """Bảng kiểm kê quỹ: the cash box counted by denomination, against the cash book.

    A count is a balance assertion: once ``settled`` (no difference, or the difference posted),
    the cash book's balance at the end of ``count_date`` equals ``counted``, and ``check``
    verifies that it still does.
    """

    __table_args__ = (
        one_of("status", CashCountStatus),
        CheckConstraint("counted >= 0", name="counted_not_negative"),
        CheckConstraint(
            "difference = counted - book_balance", name="difference_is_counted_minus_book"
        ),
        CheckConstraint(
            f"status <> '{CashCountStatus.POSTED}' OR entry_id IS NOT NULL", name="posted_has_entry"
        ),
        CheckConstraint("difference = 0 OR reason <> ''", name="difference_has_reason"),
    )
    id: int = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    #: the day counted; ``counted_at`` the moment (the book balance is read at that moment)
    count_date: date
    counted_at: datetime = timestamp()
    #: {denomination: quantity} as JSON, e.g. {"500000": 3, "200000": 1}
    denominations: str = Field(default="{}", sa_type=Text)
    counted: int = money()
    #: the cash book's balance when counted
    book_balance: int = money()
    #: thừa (> 0) or thiếu (< 0)
    difference: int = money()
    reason: str = Field(default="", max_length=500)
    status: str = Field(max_length=20)
    treasurer_name: str = Field(max_length=200)
    witness_name: str = Field(default="", max_length=200)
    #: the accountant (đại diện kế toán) who counted with the treasurer: the form's third member
    accountant_name: str = Field(default="", max_length=200)
    counted_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = timestamp(nullable=True)
    decision_comment: str = Field(default="", max_length=500)
    #: the entry that posted the difference (thừa/thiếu quỹ), once approved
    entry_id: int | None = Field(default=None, foreign_key="entry.id")
