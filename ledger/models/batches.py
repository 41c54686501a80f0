"""Receipt batches (nhập theo lô): a round of envelopes typed as one, against control totals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..vocab import PAY_METHODS, Source
from .base import money, one_of, timestamp


class ReceiptBatch(SQLModel, table=True):
    """One batch: the header a treasurer typed first, with the count and total the envelopes
    add up to; it exists only once its receipts were posted (both figures matched)."""

    __table_args__ = (
        one_of("method", PAY_METHODS),
        one_of("source", Source),
        CheckConstraint("expected_count > 0", name="expected_count_positive"),
        CheckConstraint("expected_total > 0", name="expected_total_positive"),
    )
    id: int = Field(default=None, primary_key=True)
    #: the fund the receipts were recorded in
    unit_id: int = Field(foreign_key="unit.id", index=True)
    #: what the treasurer calls it, e.g. "Thôn 3 — đợt 1"
    name: str = Field(max_length=200)
    receipt_date: date
    #: book number (quyển số) printed on every voucher of the batch
    book_no: str = Field(default="", max_length=20)
    method: str = Field(max_length=20)
    source: str = Field(max_length=20)
    #: the unit whose quota the batch counts toward
    credit_unit_id: int = Field(foreign_key="unit.id")
    #: how many envelopes the round holds (typed before the rows)
    expected_count: int
    #: what the envelopes add up to (typed before the rows)
    expected_total: int = money()
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp()


class ReceiptBatchItem(SQLModel, table=True):
    """A receipt of a batch, at its row of the grid; a receipt belongs to at most one batch."""

    __table_args__ = (
        UniqueConstraint("receipt_id"),
        UniqueConstraint("batch_id", "line_no"),
        CheckConstraint("line_no > 0", name="line_no_positive"),
    )
    batch_id: int = Field(foreign_key="receiptbatch.id", primary_key=True)
    receipt_id: int = Field(foreign_key="receipt.id", primary_key=True)
    #: the row of the grid it was typed on (1, 2, …)
    line_no: int
