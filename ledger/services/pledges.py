"""Pledges (cam kết ủng hộ): record, cancel, settle with receipts.

A pledge is settled by receipts of the same fund and donor, in full or in part, never beyond
its amount; a receipt settles pledges up to its own amount. Both rows are locked while a
settlement is weighed, so two treasurers settling at once cannot overshoot. What is settled is
always summed from the settlements of receipts that still stand (``standing``): voiding a
receipt, or correcting one in a locked period, reopens the pledge without touching the
settlement row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import (
    NotFound,
    PledgeCancelled,
    PledgeDonorOutsideFund,
    PledgeDueBeforePledged,
    PledgeOverSettled,
    ReceiptNotForPledge,
    ReceiptOutsideCampaign,
    ReceiptOverAllocated,
)
from ..models import Campaign, Donor, Pledge, PledgeSettlement, Receipt, Unit, utcnow
from ..money import parse_amount
from ..text import clean, required_reason
from .audit import record_event
from .receipts import ReceiptInput, record_receipt
from .standing import receipt_stands, still_stands
from .units import is_within

#: a pledge's states as the list filters them
STATUSES = ("open", "overdue", "settled", "cancelled")


@dataclass
class PledgeInput:
    """What a treasurer types for one pledge."""

    donor_id: int
    amount: int
    pledged_on: date
    due_on: date
    campaign_id: int | None = None
    note: str = ""


def settled_expr() -> Any:
    """Σ settled of the pledge in the enclosing query, from receipts that still stand (SQL)."""
    return (
        select(func.coalesce(func.sum(PledgeSettlement.amount), 0))
        .join(Receipt, col(Receipt.id) == col(PledgeSettlement.receipt_id))
        .where(col(PledgeSettlement.pledge_id) == col(Pledge.id), receipt_stands())
        .scalar_subquery()
    )


def settled_amount(session: Session, pledge_id: int) -> int:
    """What receipts that still stand (not voided, not corrected) have settled of a pledge."""
    return int(
        session.exec(
            select(func.coalesce(func.sum(PledgeSettlement.amount), 0))
            .join(Receipt, col(Receipt.id) == col(PledgeSettlement.receipt_id))
            .where(PledgeSettlement.pledge_id == pledge_id, receipt_stands())
        ).one()
    )


def status_of(pledge: Pledge, settled: int, today: date) -> str:
    """open, overdue, settled or cancelled."""
    if pledge.cancelled_at is not None:
        return "cancelled"
    if settled >= pledge.amount:
        return "settled"
    return "overdue" if pledge.due_on < today else "open"


def create_pledge(
    session: Session, *, unit_id: int, data: PledgeInput, user_id: int | None = None
) -> Pledge:
    """Record a pledge of a donor the fund may pick (recorded in the fund or under it)."""
    amount = parse_amount(data.amount)
    if data.due_on < data.pledged_on:
        raise PledgeDueBeforePledged()
    donor = session.get(Donor, data.donor_id)
    if donor is None:
        raise NotFound()
    if not is_within(session, unit_id=donor.unit_id, scope_id=unit_id):
        raise PledgeDonorOutsideFund(fund=session.get_one(Unit, unit_id).name)
    pledge = Pledge(
        unit_id=unit_id,
        campaign_id=data.campaign_id,
        donor_id=donor.id,
        amount=amount,
        pledged_on=data.pledged_on,
        due_on=data.due_on,
        note=clean(data.note)[:500],
        created_by_id=user_id,
    )
    session.add(pledge)
    session.flush()
    _audit(session, "pledge.create", pledge, user_id, payer=donor.name, amount=amount)
    return pledge


def _audit(session: Session, action: str, pledge: Pledge, user_id: int | None, **after) -> None:
    """An audit event in the fund's chain (it also moves the fund's data version, so cached
    figures that show pledges are drawn again)."""
    record_event(
        session,
        action=action,
        user_id=user_id,
        unit_id=pledge.unit_id,
        object_type="pledge",
        object_id=pledge.id,
        after={"due": pledge.due_on.isoformat(), **after},
    )


def cancel_pledge(
    session: Session, *, pledge_id: int, reason: str, user_id: int | None = None
) -> Pledge:
    """Cancel what is left of a pledge (its settlements stay: that money was received)."""
    pledge = _locked_pledge(session, pledge_id)
    if pledge.cancelled_at is not None:
        raise PledgeCancelled()
    pledge.cancel_reason = required_reason(reason)[:500]
    pledge.cancelled_at = utcnow()
    pledge.cancelled_by_id = user_id
    session.add(pledge)
    session.flush()
    _audit(session, "pledge.cancel", pledge, user_id, reason=pledge.cancel_reason)
    return pledge


def settle_pledge(
    session: Session,
    *,
    pledge_id: int,
    receipt_id: int,
    amount: int | None = None,
    user_id: int | None = None,
) -> PledgeSettlement:
    """Settle ``amount`` of a pledge with a receipt (None: as much as both allow)."""
    pledge = _locked_pledge(session, pledge_id)
    receipt = _locked_receipt(session, receipt_id)
    _ensure_usable(session, pledge, receipt)
    _ensure_in_campaign(session, pledge, f"{receipt.number}/{receipt.year}", receipt.receipt_date)
    outstanding = pledge.amount - settled_amount(session, pledge.id)
    left = receipt.amount - _used(session, receipt.id)
    amount = min(outstanding, left) if amount is None else parse_amount(amount)
    if amount > outstanding or outstanding <= 0:
        raise PledgeOverSettled(outstanding=max(outstanding, 0), amount=amount)
    if amount > left or left <= 0:
        raise ReceiptOverAllocated(
            number=f"{receipt.number}/{receipt.year}", left=max(left, 0), amount=amount
        )
    made = _add_settlement(session, pledge, receipt, amount, user_id)
    _audit(
        session,
        "pledge.settle",
        pledge,
        user_id,
        number=f"{receipt.number}/{receipt.year}",
        amount=amount,
    )
    return made


def record_receipt_for_pledge(
    session: Session, *, pledge_id: int, data: ReceiptInput, user_id: int | None = None
) -> Receipt:
    """Record the receipt the prefilled form describes and settle the pledge with it, in the
    one transaction (the pledge is checked first: nothing is recorded if it cannot be settled)."""
    pledge = _locked_pledge(session, pledge_id)
    if pledge.cancelled_at is not None:
        raise PledgeCancelled()
    outstanding = pledge.amount - settled_amount(session, pledge.id)
    if outstanding <= 0:
        raise PledgeOverSettled(outstanding=0, amount=parse_amount(data.amount))
    _ensure_in_campaign(session, pledge, "mới", data.receipt_date)
    data.donor_id = pledge.donor_id
    receipt = record_receipt(session, unit_id=pledge.unit_id, data=data, user_id=user_id)
    settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id, user_id=user_id)
    return receipt


def open_receipts(session: Session, pledge: Pledge) -> list[tuple[Receipt, int]]:
    """Receipts of the pledge's fund and donor that still stand and are not fully used, with what each
    has left, newest first: those "Gắn phiếu thu đã có" offers."""
    used = (
        select(func.coalesce(func.sum(PledgeSettlement.amount), 0))
        .where(col(PledgeSettlement.receipt_id) == col(Receipt.id))
        .correlate(Receipt)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Receipt, used)
        .where(
            Receipt.unit_id == pledge.unit_id,
            Receipt.donor_id == pledge.donor_id,
            receipt_stands(),
            col(Receipt.amount) > used,
        )
        .order_by(col(Receipt.receipt_date).desc(), col(Receipt.id).desc())
        .limit(100)
    ).all()
    return [(r, r.amount - int(u)) for r, u in rows]


def settlements_of(session: Session, pledge_id: int) -> list[tuple[PledgeSettlement, Receipt]]:
    """A pledge's settlements with their receipts (voided ones included, marked by the receipt)."""
    return list(
        session.exec(
            select(PledgeSettlement, Receipt)
            .join(Receipt, col(Receipt.id) == col(PledgeSettlement.receipt_id))
            .where(PledgeSettlement.pledge_id == pledge_id)
            .order_by(col(Receipt.receipt_date), col(PledgeSettlement.id))
        ).all()
    )


def _ensure_usable(session: Session, pledge: Pledge, receipt: Receipt) -> None:
    if pledge.cancelled_at is not None:
        raise PledgeCancelled()
    if (
        not still_stands(session, receipt)
        or receipt.unit_id != pledge.unit_id
        or receipt.donor_id != pledge.donor_id
    ):
        raise ReceiptNotForPledge(number=f"{receipt.number}/{receipt.year}")


def _ensure_in_campaign(session: Session, pledge: Pledge, number: str, day: date) -> None:
    """A pledge of a campaign is settled only by receipts dated within the campaign."""
    if pledge.campaign_id is None:
        return
    campaign = session.get_one(Campaign, pledge.campaign_id)
    if not campaign.starts_on <= day <= campaign.ends_on:
        raise ReceiptOutsideCampaign(
            number=number,
            date=day.strftime("%d/%m/%Y"),
            campaign=campaign.name,
            starts=campaign.starts_on.strftime("%d/%m/%Y"),
            ends=campaign.ends_on.strftime("%d/%m/%Y"),
        )


def _used(session: Session, receipt_id: int) -> int:
    """What a receipt has already settled, of any pledge."""
    return int(
        session.exec(
            select(func.coalesce(func.sum(PledgeSettlement.amount), 0)).where(
                PledgeSettlement.receipt_id == receipt_id
            )
        ).one()
    )


def _add_settlement(
    session: Session, pledge: Pledge, receipt: Receipt, amount: int, user_id: int | None
) -> PledgeSettlement:
    """Add to the receipt's settlement of the pledge (one row per pair) or make it."""
    row = session.exec(
        select(PledgeSettlement).where(
            PledgeSettlement.pledge_id == pledge.id, PledgeSettlement.receipt_id == receipt.id
        )
    ).first()
    if row is None:
        row = PledgeSettlement(
            pledge_id=pledge.id, receipt_id=receipt.id, amount=amount, created_by_id=user_id
        )
    else:
        row.amount += amount
    session.add(row)
    session.flush()
    return row


def _locked_pledge(session: Session, pledge_id: int) -> Pledge:
    pledge = session.exec(
        select(Pledge)
        .where(Pledge.id == pledge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if pledge is None:
        raise NotFound()
    return pledge


def _locked_receipt(session: Session, receipt_id: int) -> Receipt:
    receipt = session.exec(
        select(Receipt)
        .where(Receipt.id == receipt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if receipt is None:
        raise NotFound()
    return receipt
