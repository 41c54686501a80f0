"""Pledges (cam kết ủng hộ): money promised to a fund, settled by receipts in full or in part.

A pledge is never money collected: it counts only once a receipt settles it, and a voided
receipt's settlement stops counting (the row stays, the sums skip it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from .base import money, timestamp


class Pledge(SQLModel, table=True):
    """A donor's promise to give a fund ``amount`` đồng by ``due_on``."""

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("due_on >= pledged_on", name="due_after_pledged"),
        CheckConstraint(
            "(cancelled_at IS NULL AND cancel_reason = '') OR "
            "(cancelled_at IS NOT NULL AND cancel_reason <> '')",
            name="cancel_complete",
        ),
    )
    id: int = Field(default=None, primary_key=True)
    #: the fund that was promised the money
    unit_id: int = Field(foreign_key="unit.id")
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    donor_id: int = Field(foreign_key="donor.id", index=True)
    amount: int = money()
    pledged_on: date
    due_on: date
    note: str = Field(default="", max_length=500)
    cancel_reason: str = Field(default="", max_length=500)
    cancelled_by_id: int | None = Field(default=None, foreign_key="user.id")
    cancelled_at: datetime | None = timestamp(nullable=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp()


Index("ix_pledge_unit_date", col(Pledge.unit_id), col(Pledge.pledged_on), col(Pledge.id))


class PledgeSettlement(SQLModel, table=True):
    """Part (or all) of a receipt that fulfils a pledge (thực hiện cam kết)."""

    __table_args__ = (
        UniqueConstraint("pledge_id", "receipt_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )
    id: int = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    receipt_id: int = Field(foreign_key="receipt.id", index=True)
    amount: int = money()
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp()
