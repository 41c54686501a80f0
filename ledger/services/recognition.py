"""Who may have a thank-you letter or a certificate, and the gifts a donor's yearly letter lists.

A voided gift gets none. A donor who gave anonymously is named only inside the fund that
recorded the gift (its own staff): anyone else is refused rather than given a named letter.
A donor's yearly letter lists the gifts of that donor and of the duplicates merged into it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, or_, select

from ..errors import LetterForAnonymousDonor, LetterForVoidedGift, NoGiftsInYear
from ..models import Donor, Receipt, Unit
from .donors import anonymous_donor_ids
from .units import in_units


def letter_gift(session: Session, receipt: Receipt, *, viewer_unit_id: int) -> Donor | None:
    """The gift's donor when a letter may be made for it (else the refusal)."""
    if receipt.voided_at is not None:
        raise LetterForVoidedGift(number=f"{receipt.number}/{receipt.year}")
    donor = session.get(Donor, receipt.donor_id) if receipt.donor_id else None
    hidden = anonymous_donor_ids(session, {receipt.donor_id})  # merged into one counts too
    if donor is not None and donor.id in hidden and viewer_unit_id != receipt.unit_id:
        raise LetterForAnonymousDonor(fund=session.get_one(Unit, receipt.unit_id).name)
    return donor


def donor_name(receipt: Receipt, donor: Donor | None) -> str:
    """Whom the letter addresses: the payer named on the receipt, else the donor."""
    return receipt.payer_name or (donor.name if donor else "") or "Quý nhà hảo tâm"


def year_gifts(
    session: Session, donor: Donor, *, year: int, unit_ids: Any, viewer_unit_id: int
) -> list[Receipt]:
    """The donor's gifts of ``year`` (its merged duplicates' too) in the funds ``unit_ids``,
    not voided, oldest first; refused for an anonymous donor outside its own fund."""
    if donor.id in anonymous_donor_ids(session, {donor.id}) and viewer_unit_id != donor.unit_id:
        raise LetterForAnonymousDonor(fund=session.get_one(Unit, donor.unit_id).name)
    merged = select(Donor.id).where(Donor.merged_into_id == donor.id)
    gifts = list(
        session.exec(
            select(Receipt)
            .where(
                or_(col(Receipt.donor_id) == donor.id, col(Receipt.donor_id).in_(merged)),
                Receipt.year == year,
                col(Receipt.voided_at).is_(None),
                in_units(col(Receipt.unit_id), unit_ids),
            )
            .order_by(col(Receipt.receipt_date), col(Receipt.id))
        ).all()
    )
    if not gifts:
        raise NoGiftsInYear(donor=donor.name, year=str(year))
    return gifts
