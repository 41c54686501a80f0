"""The journal: balanced, append-only, hash-chained entries per fund."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from ..vocab import Grain, values
from .base import money, one_of, timestamp


class ChainHead(SQLModel, table=True):
    """The tip of one fund's hash chain; locked while an entry is appended to it."""

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    last_seq: int = 0
    last_hash: str = Field(default="", max_length=64)


class Entry(SQLModel, table=True):
    """One balanced journal entry posted by a document (receipt, disbursement, transfer…)."""

    __table_args__ = (UniqueConstraint("unit_id", "seq"),)
    id: int = Field(default=None, primary_key=True)
    #: the fund whose chain this entry extends
    unit_id: int = Field(foreign_key="unit.id")
    seq: int
    entry_date: date
    #: an ``EntryKind``: receipt, receipt_void, disbursement, transfer_sent… (``ledger.vocab``)
    kind: str = Field(max_length=40)
    document_id: int | None = None
    memo: str = Field(default="", max_length=500)
    #: the entry this one reverses (a correction never edits; it reverses)
    reverses_id: int | None = Field(default=None, foreign_key="entry.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


#: "is this receipt still standing?" (services/standing.py) asks for an entry reversing its
#: entry: only corrections have one, so the index holds those few rows (migration 0026)
Index(
    "ix_entry_reverses_id",
    col(Entry.reverses_id),
    sqlite_where=col(Entry.reverses_id).is_not(None),
    postgresql_where=col(Entry.reverses_id).is_not(None),
)


class Posting(SQLModel, table=True):
    """One line of an entry: a signed amount on an account (debit +, credit −)."""

    __table_args__ = (CheckConstraint("amount <> 0", name="amount_nonzero"),)
    id: int = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    amount: int = money()
    #: the unit whose quota an income line counts toward (None for other lines)
    credit_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    #: the entry's date, kept on the line so period sums need one index
    entry_date: date


Index(
    "ix_posting_account_date", col(Posting.account_id), col(Posting.entry_date), col(Posting.amount)
)
Index(
    "ix_posting_credit_unit",
    col(Posting.credit_unit_id),
    col(Posting.entry_date),
    col(Posting.amount),
)


#: the grains a rollup row sums over; a row's ``period`` is the period's first day
ROLLUP_GRAINS = values(Grain)


class Rollup(SQLModel, table=True):
    """Σ of the postings of a unit's whole subtree (the unit and every unit under it) over one
    day, month or year, kept in the same transaction as every posting (``check`` recomputes
    it from the postings). Progress, balances and the management share read the campaign
    unit's and its children's rows, never the subtree's postings."""

    __table_args__ = (one_of("grain", Grain),)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    grain: str = Field(max_length=5, primary_key=True)
    #: the first day of the day, month or year
    period: date = Field(primary_key=True)
    #: Σ quota lines credited to the subtree's units (by ``credit_unit_id``), signed like the
    #: postings (credits are negative)
    credited: int = money(default=0)
    #: how many quota lines (a void's counts too: "last receipt" is the last such line's day)
    credit_lines: int = 0
    #: the last day in the period with a quota line
    last_credit: date | None = None
    #: Σ postings on the subtree funds' donations accounts (the management share's revenue)
    donations: int = money(default=0)
    #: Σ postings on the subtree funds' cash and bank accounts
    cash: int = money(default=0)


class RollupSpend(SQLModel, table=True):
    """Σ of the postings on one expense account kind (``expense:<category>``) of a unit's whole
    subtree over one day, month or year; kept and checked like ``Rollup``. The management
    share joins it with ``Category.is_management`` when read, so the flag is never copied."""

    __table_args__ = (one_of("grain", Grain),)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    grain: str = Field(max_length=5, primary_key=True)
    period: date = Field(primary_key=True)
    kind: str = Field(max_length=60, primary_key=True)
    amount: int = money(default=0)


class Anchor(SQLModel, table=True):
    """A fund's chain heads as printed on a document that left the database (a period lock, a
    workbook, a filed report): a later rewrite of the chains no longer matches it."""

    id: int = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    #: an ``AnchorKind``: lock, workbook, report, migration (``ledger.vocab``)
    kind: str = Field(max_length=20)
    #: what the anchor was printed on, e.g. "khóa sổ đến 30/06/2018"
    ref: str = Field(default="", max_length=200)
    made_at: datetime = timestamp()
    made_by_id: int | None = Field(default=None, foreign_key="user.id")
    entry_seq: int
    entry_hash: str = Field(max_length=64)
    audit_seq: int
    audit_hash: str = Field(max_length=64)


class ChainVerified(SQLModel, table=True):
    """How far one hash chain was last verified, and the hash found there: an incremental
    check re-hashes only what follows, after making sure the hash at this position is still
    the one verified. Written only by a check that found nothing wrong."""

    #: a ``ChainKind``: journal, receipt, disbursement (``chain_key`` is the fund; ``seq`` the
    #: entry's seq or the largest row id verified, ``hash`` empty for rows) or audit (the
    #: audit chain's key)
    chain: str = Field(primary_key=True, max_length=20)
    chain_key: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int
    hash: str = Field(max_length=64)
    #: when this position was reached (a later check that found nothing new leaves it)
    verified_at: datetime = timestamp()


class FullCheck(SQLModel, table=True):
    """One full check of the books (every chain from its first link, every row compared):
    over everything (``unit_id`` None) or one unit and every unit under it, and how many
    problems it found. A workbook's own check reads only what is new since the chains were
    last verified; it states from these rows when its scope was last checked in full."""

    __table_args__ = (
        CheckConstraint("problems >= 0", name="problems_not_negative"),
        CheckConstraint("finished_at >= started_at", name="finishes_after_start"),
        Index("ix_fullcheck_finished", "finished_at"),
    )
    id: int = Field(default=None, primary_key=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    started_at: datetime = timestamp()
    finished_at: datetime = timestamp()
    problems: int
