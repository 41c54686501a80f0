"""Documents that post to the journal: receipts (phiếu thu), disbursements (phiếu chi), transfers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel, col

from ..vocab import (
    DISBURSE_METHODS,
    PAY_METHODS,
    DisbursementStatus,
    DonorKind,
    Method,
    Sex,
    Source,
    TransferStatus,
    VoucherKind,
)
from .base import money, one_of, timestamp


class Donor(SQLModel, table=True):
    """Who gave (người nộp / nhà hảo tâm).

    ``anonymous`` hides the name everywhere outside the recording unit's own staff (public
    pages, exports for the level above, thank-you lists); ``public_consent`` is the donor's
    agreement to be named on the honour roll and the yearly public disclosure. A duplicate
    merged into another donor keeps its row (its receipts keep their ``donor_id``, so no
    voucher changes) and points at the survivor through ``merged_into_id``.
    """

    __table_args__ = (
        one_of("kind", DonorKind),
        CheckConstraint(
            "merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_self"
        ),
        CheckConstraint("NOT (anonymous AND public_consent)", name="anonymous_not_public"),
    )
    id: int = Field(default=None, primary_key=True)
    #: the unit that recorded the donor (scope of who may pick it); indexed with the name
    #: (``ix_donor_unit_search``, below)
    unit_id: int = Field(foreign_key="unit.id")
    name: str = Field(max_length=200)
    #: lower-case, accent-free name for type-ahead search
    search_key: str = Field(max_length=200, index=True)
    kind: str = Field(default=DonorKind.INDIVIDUAL.value, max_length=20)
    address: str = Field(default="", max_length=300)
    anonymous: bool = False
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=200)
    #: the donor agreed to be named publicly (honour roll, yearly disclosure)
    public_consent: bool = False
    note: str = Field(default="", max_length=500)
    #: the donor this duplicate was merged into (None: a donor in its own right)
    merged_into_id: int | None = Field(default=None, foreign_key="donor.id", index=True)


#: a fund's donors by folded name: the same-name question every new payer's receipt asks
#: (SQLite, without statistics, read all of the fund's donors by ``unit_id`` alone)
Index("ix_donor_unit_search", col(Donor.unit_id), col(Donor.search_key))


class VoucherCounter(SQLModel, table=True):
    """The last voucher number used per fund, year and kind: numbers run gap-free."""

    __table_args__ = (one_of("kind", VoucherKind),)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    year: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=20)
    last_number: int = 0


#: an in-kind gift with a quantity is worth exactly quantity × unit value (migration 0024); an
#: older in-kind receipt without one keeps only its description and value
RECEIPT_GOODS = (
    "(quantity_milli IS NULL AND unit_value IS NULL AND goods_unit = '') OR "
    "(method = 'in_kind' AND quantity_milli > 0 AND unit_value > 0 AND goods_unit <> '' "
    "AND amount * 1000 = quantity_milli * unit_value)"
)
#: a disbursement of goods names them with quantity and unit value; money ones have none
DISBURSEMENT_GOODS = (
    "(method <> 'in_kind' AND quantity_milli IS NULL AND unit_value IS NULL "
    "AND goods_name = '' AND goods_unit = '') OR "
    "(method = 'in_kind' AND quantity_milli > 0 AND unit_value > 0 AND goods_name <> '' "
    "AND amount * 1000 = quantity_milli * unit_value)"
)


class Receipt(SQLModel, table=True):
    """A phiếu thu: money (or an in-kind gift at its estimated value) received by a fund."""

    __table_args__ = (
        UniqueConstraint("unit_id", "year", "number"),
        UniqueConstraint("import_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("attachments >= 0", name="attachments_not_negative"),
        CheckConstraint(
            "(voided_at IS NULL AND void_entry_id IS NULL) OR "
            "(voided_at IS NOT NULL AND void_entry_id IS NOT NULL AND void_reason <> '')",
            name="void_complete",
        ),
        one_of("method", Method),
        one_of("source", Source),
        CheckConstraint(RECEIPT_GOODS, name="goods_value_exact"),
    )
    id: int = Field(default=None, primary_key=True)
    #: the fund that received the money
    unit_id: int = Field(foreign_key="unit.id")
    year: int
    #: voucher number (số phiếu), gap-free per fund and year
    number: int
    #: book number (quyển số)
    book_no: str = Field(default="", max_length=20)
    receipt_date: date
    donor_id: int | None = Field(default=None, foreign_key="donor.id")
    payer_name: str = Field(default="", max_length=200)
    payer_address: str = Field(default="", max_length=300)
    amount: int = money()
    method: str = Field(default=Method.CASH.value, max_length=20)
    source: str = Field(default=Source.DONATION.value, max_length=20)
    in_kind_description: str = Field(default="", max_length=500)
    #: in kind: the unit of measure (thùng, suất, chiếc, kg…) the quantity counts
    goods_unit: str = Field(default="", max_length=30)
    #: in kind: the quantity in thousandths of ``goods_unit`` (2,5 kg is 2500), exact
    quantity_milli: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    #: in kind: the estimated value of one ``goods_unit``; amount × 1000 = quantity_milli × it
    unit_value: int | None = money(nullable=True)
    #: the unit whose quota this receipt counts toward
    credit_unit_id: int = Field(foreign_key="unit.id")
    purpose: str = Field(default="", max_length=300)
    reason: str = Field(default="", max_length=500)
    note: str = Field(default="", max_length=500)
    attachments: int = 0
    #: the fund's bank account it arrived on (None: the primary one; cash and in-kind: None)
    bank_account_id: int | None = Field(default=None, foreign_key="bankaccount.id")
    #: the treasurer's own slip number (số biên lai), kept as a reference
    reference: str = Field(default="", max_length=60)
    #: set by spreadsheet imports so the same row never imports twice
    import_key: str | None = Field(default=None, max_length=64)
    entry_id: int = Field(foreign_key="entry.id")
    void_entry_id: int | None = Field(default=None, foreign_key="entry.id")
    void_reason: str = Field(default="", max_length=500)
    voided_by_id: int | None = Field(default=None, foreign_key="user.id")
    voided_at: datetime | None = timestamp(nullable=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp()
    #: payer, reason, in-kind description and reference folded for search (models.search)
    search_text: str = Field(default="", max_length=1200)


Index("ix_receipt_unit_date", col(Receipt.unit_id), col(Receipt.receipt_date), col(Receipt.id))
#: a nation's receipts newest first (migration 0009)
Index("ix_receipt_date", col(Receipt.receipt_date), col(Receipt.id))


def _partial(name: str, *columns: Any, where: str) -> Index:
    """An index of the rows ``where`` holds only, on both databases."""
    condition = text(where)
    return Index(name, *columns, sqlite_where=condition, postgresql_where=condition)


#: the few voided receipts, by their void entry (migration 0031)
_partial("ix_receipt_void_entry", col(Receipt.void_entry_id), where="void_entry_id IS NOT NULL")


class Category(SQLModel, table=True):
    """What a disbursement is for: heart surgery, scholarship, Tết gift, management…"""

    id: int = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    #: counts toward the management-cost cap
    is_management: bool = False
    active: bool = True


class CircumstanceGroup(SQLModel, table=True):
    """A group of children in special circumstances (Luật Trẻ em 2016, Điều 10) or a local one."""

    code: str = Field(primary_key=True, max_length=40)
    name_vi: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    #: e.g. "Luật Trẻ em 2016, Điều 10, khoản 1"; empty for local groups
    legal_ref: str = Field(default="", max_length=100)
    position: int = 0


class Beneficiary(SQLModel, table=True):
    """A child the fund helps. Sensitive: shown masked unless the viewer may unmask."""

    __table_args__ = (one_of("sex", Sex),)
    id: int = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    full_name: str = Field(max_length=200)
    birth_date: date
    sex: str = Field(max_length=10)
    guardian_name: str = Field(default="", max_length=200)
    consent_by: str = Field(default="", max_length=200)
    consent_on: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp()


class BeneficiaryGroup(SQLModel, table=True):
    """A child's membership of one circumstance group (a child may be in several)."""

    beneficiary_id: int = Field(foreign_key="beneficiary.id", primary_key=True)
    group_code: str = Field(foreign_key="circumstancegroup.code", primary_key=True)


class Disbursement(SQLModel, table=True):
    """A phiếu chi: support paid from a fund, drafted → approved → paid (or rejected/voided)."""

    __table_args__ = (
        UniqueConstraint("unit_id", "year", "number"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "children_count IS NULL OR (children_count > 0 AND amount_each > 0 "
            "AND amount = children_count * amount_each)",
            name="group_gift_total",
        ),
        CheckConstraint(
            f"status <> '{DisbursementStatus.PAID}' OR (number IS NOT NULL AND entry_id IS NOT NULL)",
            name="paid_is_posted",
        ),
        one_of("status", DisbursementStatus),
        one_of("method", DISBURSE_METHODS),
        CheckConstraint(DISBURSEMENT_GOODS, name="goods_value_exact"),
    )
    id: int = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year: int
    #: voucher number, given when paid so the series stays gap-free
    number: int | None = None
    book_no: str = Field(default="", max_length=20)
    disbursement_date: date
    category_id: int = Field(foreign_key="category.id")
    beneficiary_id: int | None = Field(default=None, foreign_key="beneficiary.id")
    children_count: int | None = None
    amount_each: int | None = money(nullable=True)
    payee_name: str = Field(max_length=200)
    payee_address: str = Field(default="", max_length=300)
    reason: str = Field(default="", max_length=500)
    amount: int = money()
    method: str = Field(default=Method.CASH.value, max_length=20)
    attachments: int = 0
    #: the fund's bank account it is paid from (None: the primary one; cash: None)
    bank_account_id: int | None = Field(default=None, foreign_key="bankaccount.id")
    #: in kind: the goods handed out, as the goods book names them (name and unit of measure)
    goods_name: str = Field(default="", max_length=500)
    goods_unit: str = Field(default="", max_length=30)
    #: in kind: the quantity in thousandths of ``goods_unit``, and the value of one unit
    quantity_milli: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    unit_value: int | None = money(nullable=True)
    status: str = Field(default=DisbursementStatus.DRAFT.value, max_length=20)
    drafted_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = timestamp(nullable=True)
    decision_comment: str = Field(default="", max_length=500)
    entry_id: int | None = Field(default=None, foreign_key="entry.id")
    void_entry_id: int | None = Field(default=None, foreign_key="entry.id")
    void_reason: str = Field(default="", max_length=500)
    created_at: datetime = timestamp()
    #: payee and reason folded for search (models.search)
    search_text: str = Field(default="", max_length=1200)


Index("ix_disbursement_unit_status", col(Disbursement.unit_id), col(Disbursement.status))
#: the lists newest first, at any scope, and the children's totals (migration 0009)
Index("ix_disbursement_date", col(Disbursement.disbursement_date), col(Disbursement.id))
Index(
    "ix_disbursement_unit_date",
    col(Disbursement.unit_id),
    col(Disbursement.disbursement_date),
    col(Disbursement.id),
)
Index("ix_disbursement_beneficiary", col(Disbursement.beneficiary_id))
#: the drafts awaiting approval, few in a whole nation (the menu's count; migration 0031)
_partial("ix_disbursement_drafts", col(Disbursement.unit_id), where="status = 'draft'")
#: the few voided payouts, by their void entry (migration 0031)
_partial(
    "ix_disbursement_void_entry", col(Disbursement.void_entry_id), where="void_entry_id IS NOT NULL"
)
#: a paid payout that helps a child: one named, or a group gift (``children.children_helped``
#: reads its figures under this very condition, so both databases use the index below)
CHILD_PAYOUTS = (
    f"status = '{DisbursementStatus.PAID.value}'"
    " AND (beneficiary_id IS NOT NULL OR children_count IS NOT NULL)"
)
#: the paid payouts that help a child (named, or a group gift), with what the children-helped
#: count reads, so it reads this index alone (migration 0032)
_partial(
    "ix_disbursement_children",
    col(Disbursement.disbursement_date),
    col(Disbursement.category_id),
    col(Disbursement.unit_id),
    col(Disbursement.beneficiary_id),
    col(Disbursement.children_count),
    where=CHILD_PAYOUTS,
)


class Transfer(SQLModel, table=True):
    """Money moved between funds (or cash ↔ bank in one fund); in transit until received."""

    __table_args__ = (
        CheckConstraint("amount_sent > 0", name="amount_sent_positive"),
        CheckConstraint("amount_received IS NULL OR amount_received > 0", name="received_positive"),
        one_of("status", TransferStatus),
        one_of("from_method", PAY_METHODS, name="from_method_allowed"),
        one_of("to_method", PAY_METHODS, name="to_method_allowed"),
    )
    id: int = Field(default=None, primary_key=True)
    from_unit_id: int = Field(foreign_key="unit.id")
    to_unit_id: int = Field(foreign_key="unit.id")
    from_method: str = Field(default=Method.BANK.value, max_length=20)
    to_method: str = Field(default=Method.BANK.value, max_length=20)
    amount_sent: int = money()
    sent_on: date
    sent_entry_id: int = Field(foreign_key="entry.id")
    amount_received: int | None = money(nullable=True)
    received_on: date | None = None
    received_entry_id: int | None = Field(default=None, foreign_key="entry.id")
    difference_reason: str = Field(default="", max_length=500)
    status: str = Field(default=TransferStatus.SENT.value, max_length=20)
    memo: str = Field(default="", max_length=500)
    #: a cash ↔ bank move's cash voucher number: the phiếu chi series for a deposit, the
    #: phiếu thu series for a withdrawal (migration 0010); None between funds
    number: int | None = None
    #: the bank accounts it left from and arrived on (None: the fund's primary one)
    from_bank_account_id: int | None = Field(default=None, foreign_key="bankaccount.id")
    to_bank_account_id: int | None = Field(default=None, foreign_key="bankaccount.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    received_by_id: int | None = Field(default=None, foreign_key="user.id")
    #: memo and difference reason folded for search (models.search)
    search_text: str = Field(default="", max_length=1200)


#: transfers newest first, at any scope (migration 0009)
Index("ix_transfer_sent_on", col(Transfer.sent_on), col(Transfer.id))
Index("ix_transfer_from", col(Transfer.from_unit_id), col(Transfer.sent_on), col(Transfer.id))
Index("ix_transfer_to", col(Transfer.to_unit_id), col(Transfer.sent_on), col(Transfer.id))
