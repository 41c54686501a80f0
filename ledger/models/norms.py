"""Mobilisation norms (định mức vận động): an amount per head for each kind of payer, and the
heads each child unit counts, from which the money a campaign plans to raise follows bottom-up."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..vocab import PayerKind
from .base import money, one_of


class MobilisationNorm(SQLModel, table=True):
    """A campaign's norm for one kind of payer: so many đồng per head (one day's salary of an
    official is entered as its amount)."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "payer_kind"),
        one_of("payer_kind", PayerKind),
        CheckConstraint("amount_per_head > 0", name="amount_positive"),
        # services.norms.MAX_NORM: Σ amount × heads must not overflow a bigint
        CheckConstraint("amount_per_head <= 100000000", name="amount_within_cap"),
    )
    id: int = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    #: a ``PayerKind`` value
    payer_kind: str = Field(max_length=20)
    #: đồng asked of each head
    amount_per_head: int = money()
    #: where the norm comes from, e.g. "1 ngày lương theo Kế hoạch số …"
    note: str = Field(default="", max_length=300)


class NormCount(SQLModel, table=True):
    """How many payers of a kind a child unit has in a campaign, and how many are exempt
    (poor households, for one)."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", "payer_kind"),
        one_of("payer_kind", PayerKind),
        CheckConstraint("heads >= 0", name="heads_not_negative"),
        CheckConstraint("exempt >= 0 AND exempt <= heads", name="exempt_within_heads"),
        # services.norms.MAX_HEADS
        CheckConstraint("heads <= 1000000", name="heads_within_cap"),
    )
    id: int = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    payer_kind: str = Field(max_length=20)
    heads: int = Field(default=0)
    exempt: int = Field(default=0)
