"""The reconciliation workbook's "Cam kết ủng hộ" sheet: a campaign's pledges with what
receipts settled of them, and the checks that tie those settlements to the receipts."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..exports.reconciliation import Check, PledgeRow
from ..models import Donor, Pledge, PledgeSettlement, Receipt
from .donors import anonymous_donor_ids, shown_payer
from .pledges import status_of
from .standing import receipt_stands
from .units import Scope, in_units


def pledge_rows(
    session: Session,
    *,
    funds: Scope | set[int],
    campaign_id: int,
    start: date,
    end: date,
    names: dict,
    viewer_unit_id: int | None = None,
) -> list[PledgeRow]:
    """The campaign's pledges in ``funds`` made by ``end``, each with what receipts that still
    stand and are dated ``start``..``end`` (the Phiếu thu sheet's window, as ``receipts_settled``
    counts them) settled of it and the receipts' numbers; an anonymous donor is named
    only to ``viewer_unit_id``'s own fund."""
    pledges = session.exec(
        select(Pledge, Donor.name, Donor.id)
        .join(Donor, col(Donor.id) == col(Pledge.donor_id))
        .where(
            in_units(col(Pledge.unit_id), funds),
            Pledge.campaign_id == campaign_id,
            Pledge.pledged_on <= end,
        )
        .order_by(col(Pledge.pledged_on), col(Pledge.id))
    ).all()
    parts = _settlements(session, [p.id for p, _n, _d in pledges], start, end)
    hidden = anonymous_donor_ids(session, {d for _p, _n, d in pledges})
    rows = []
    for pledge, name, donor_id in pledges:
        donor = shown_payer(
            name,
            anonymous=donor_id in hidden,
            fund_id=pledge.unit_id,
            viewer_unit_id=viewer_unit_id,
        )
        mine = parts.get(pledge.id, [])
        settled = sum(amount for _number, amount in mine)
        status = status_of(pledge, settled, end)
        rows.append(
            PledgeRow(
                fund=names.get(pledge.unit_id, ""),
                donor=donor,
                pledged_on=pledge.pledged_on,
                due_on=pledge.due_on,
                amount=pledge.amount,
                settled=settled,
                outstanding=0 if status == "cancelled" else max(pledge.amount - settled, 0),
                status=status,
                receipts=", ".join(number for number, _amount in mine),
            )
        )
    return rows


def _settlements(
    session: Session, pledge_ids: list[int], start: date, end: date
) -> dict[int, list]:
    found: dict[int, list] = {}
    if not pledge_ids:
        return found
    for pledge_id, number, year, amount in session.exec(
        select(PledgeSettlement.pledge_id, Receipt.number, Receipt.year, PledgeSettlement.amount)
        .join(Receipt, col(Receipt.id) == col(PledgeSettlement.receipt_id))
        .where(
            col(PledgeSettlement.pledge_id).in_(pledge_ids),
            receipt_stands(),
            Receipt.receipt_date >= start,
            Receipt.receipt_date <= end,
        )
        .order_by(col(Receipt.receipt_date), col(Receipt.id))
    ).all():
        found.setdefault(pledge_id, []).append((f"{number}/{year}", int(amount)))
    return found


def receipts_settled(
    session: Session, *, funds: Scope | set[int], campaign_id: int, start: date, end: date
) -> tuple[int, int]:
    """From the receipts' side: Σ the parts of the Phiếu thu sheet's valid receipts (dated in
    the window) that settle the campaign's pledges, and how many receipts settle more than
    their own amount (0 when the rule held)."""
    receipts = (
        in_units(col(Receipt.unit_id), funds),
        receipt_stands(),
        Receipt.receipt_date >= start,
        Receipt.receipt_date <= end,
    )
    of_campaign = col(PledgeSettlement.pledge_id).in_(
        select(Pledge.id).where(Pledge.campaign_id == campaign_id, Pledge.pledged_on <= end)
    )
    total = session.exec(
        select(func.coalesce(func.sum(PledgeSettlement.amount), 0))
        .join(Receipt, col(Receipt.id) == col(PledgeSettlement.receipt_id))
        .where(*receipts, of_campaign)
    ).one()
    per_receipt: Any = (
        select(PledgeSettlement.receipt_id, func.sum(PledgeSettlement.amount).label("used"))
        .group_by(col(PledgeSettlement.receipt_id))
        .subquery()
    )
    over = session.exec(
        select(func.count())
        .select_from(Receipt)
        .join(per_receipt, per_receipt.c.receipt_id == col(Receipt.id))
        .where(*receipts, per_receipt.c.used > col(Receipt.amount))
    ).one()
    return int(total), int(over)


def pledge_checks(rows: list[PledgeRow], from_receipts: int, over_receipts: int, progress) -> list:
    """The sheet against the receipts, against the summary, and the never-beyond rules."""
    live = [r for r in rows if r.status != "cancelled"]
    return [
        Check(
            "Cam kết: Σ đã thực hiện trên trang Cam kết ủng hộ = Σ phần phiếu thu hợp lệ "
            "(trang Phiếu thu) ghi nhận cho cam kết",
            sum(r.settled for r in rows),
            from_receipts,
        ),
        Check(
            "Cam kết: Σ cam kết còn hiệu lực trên trang Cam kết ủng hộ = cam kết của đợt "
            "(không tính vào đã vận động)",
            sum(r.amount for r in live),
            progress.pledges.pledged,
        ),
        Check(
            "Cam kết: số cam kết được ghi nhận vượt số tiền cam kết",
            0,
            sum(1 for r in rows if r.settled > r.amount),
        ),
        Check("Cam kết: số phiếu thu ghi nhận cho cam kết vượt số tiền phiếu", 0, over_receipts),
    ]
