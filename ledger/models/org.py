"""Units of the fund's tree, their accounts, campaigns, quotas, report periods and locks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from ..vocab import AccountType, UnitLevel, UnitType, values
from .base import money, one_of, timestamp

#: the tiers from the top down (``services.unit_setup`` compares their positions)
UNIT_LEVELS = values(UnitLevel)
#: the administrative type (loại đơn vị) as law names it; ``level`` is the tier in the tree
#: (migration 0004 reads this tuple: keep it)
UNIT_TYPES = values(UnitType)
#: a share of a predecessor is kept in basis points: 10000 = 100 %
WHOLE_SHARE = 10000


class Unit(SQLModel, table=True):
    """An administrative unit that holds a fund (tỉnh/huyện/xã); valid for a span of dates."""

    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_span"),
        one_of("level", UnitLevel),
        CheckConstraint(
            "unit_type IS NULL OR unit_type IN ({})".format(
                ", ".join(f"'{t}'" for t in UNIT_TYPES)
            ),
            name="unit_type_allowed",
        ),
    )
    id: int = Field(default=None, primary_key=True)
    #: stable code, e.g. the GSO code or ``TT-CHUONGDUONG``
    code: str = Field(max_length=40, unique=True)
    #: the proper name, e.g. "Xã Chương Dương"
    name: str = Field(max_length=200)
    #: the official administrative code (mã đơn vị hành chính), when known
    gso_code: str | None = Field(default=None, max_length=10, unique=True)
    #: the name as a document prints it, e.g. "XÃ CHƯƠNG DƯƠNG" or "THỊ TRẤN"
    printed_name: str | None = Field(default=None, max_length=200)
    level: str = Field(max_length=20)
    #: tỉnh, thành phố, huyện, quận, thị xã, xã, phường, thị trấn, đặc khu (see UNIT_TYPES)
    unit_type: str | None = Field(default=None, max_length=30)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    valid_from: date
    valid_to: date | None = None


class UnitSuccession(SQLModel, table=True):
    """A merger or split: ``share_bp`` of ``predecessor`` went to ``successor`` on ``effective_on``."""

    __table_args__ = (CheckConstraint("share_bp > 0 AND share_bp <= 10000", name="share_range"),)
    predecessor_id: int = Field(foreign_key="unit.id", primary_key=True)
    successor_id: int = Field(foreign_key="unit.id", primary_key=True)
    effective_on: date
    #: the share of the predecessor (area and population) that went to the successor, in basis
    #: points: 10000 when whole, e.g. 6000 for "một phần" at 60 %
    share_bp: int = Field(default=WHOLE_SHARE)
    #: the legal basis (căn cứ), e.g. "Nghị quyết 1656/NQ-UBTVQH15 ngày 16/06/2025"
    legal_basis: str = Field(default="", max_length=300)
    #: how the share was set when no source publishes it (e.g. "giả định theo dân số")
    share_note: str = Field(default="", max_length=300)


class Account(SQLModel, table=True):
    """One account of a unit's fund: cash, bank, in_kind, donations, in_transit, expense:<code>."""

    __table_args__ = (
        UniqueConstraint("unit_id", "kind"),
        one_of("type", AccountType),
        # money is conserved by construction: no cash, bank or in-kind holding below zero
        CheckConstraint(
            f"type <> '{AccountType.ASSET}' OR balance >= 0", name="asset_not_negative"
        ),
    )
    id: int = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    kind: str = Field(max_length=60)
    type: str = Field(max_length=20)
    #: running Σ postings, kept in the same transaction as each posting; ``check`` verifies it;
    #: the database refuses an asset account below zero
    balance: int = money(default=0)


class Campaign(SQLModel, table=True):
    """A fundraising campaign or drive: the target a higher level assigned to ``unit``.

    A unit may run several in a year (the yearly campaign, Tháng hành động vì trẻ em, a Trung thu
    drive); ``code`` (e.g. ``2026``, ``2026-THĐ``) tells them apart within the unit.
    """

    __table_args__ = (
        UniqueConstraint("unit_id", "code"),
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint("ends_on >= starts_on", name="date_span"),
    )
    id: int = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year: int
    #: short code unique per unit, e.g. ``2026`` or ``2026-THĐ``
    code: str = Field(max_length=30)
    name: str = Field(max_length=200)
    #: the assigned target (chỉ tiêu được giao), đồng
    target: int = money()
    starts_on: date
    ends_on: date


class Quota(SQLModel, table=True):
    """The share of a campaign a child unit is asked to raise (chỉ tiêu phân bổ)."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )
    id: int = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    unit_id: int = Field(foreign_key="unit.id")
    amount: int = money()


class ReportPeriod(SQLModel, table=True):
    """A report the campaign owes: figures up to ``cutoff``, due by ``due``."""

    __table_args__ = (UniqueConstraint("campaign_id", "code"),)
    id: int = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    #: e.g. ``h1`` (6 tháng), ``m9`` (9 tháng), ``year`` (năm)
    code: str = Field(max_length=20)
    name: str = Field(max_length=100)
    cutoff: date
    due: date


class PeriodLock(SQLModel, table=True):
    """A unit's books are closed through ``locked_through``: nothing dated on or before posts."""

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    locked_through: date
    locked_by_id: int | None = Field(default=None, foreign_key="user.id")
    locked_at: datetime = timestamp()


Index("ix_quota_unit", col(Quota.unit_id))
