"""Donation QR codes of a fund's bank accounts (issue #16): which account a code names, the
reference it carries (the fund, a campaign) and the VietQR payload.

The public sees only a fund's primary account, and only while the fund and the account are
open; staff see every account of the funds in their scope. A campaign's code carries the
campaign in its reference, so the statement matcher assigns the donation to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from ..banks import BY_BIN, Bank
from ..models import BankAccount, Campaign, Unit
from ..text import unit_key
from ..vietqr import build_payload, donation_purpose, donation_reference
from .units import is_within


@dataclass(frozen=True)
class DonationCode:
    """What a donor's banking app reads from the code, and what the page prints beside it."""

    account: BankAccount
    bank: Bank | None
    #: the reference the matcher recognises (``vietqr.parse_reference``)
    reference: str
    #: the transfer's content: the reference and a short text
    purpose: str
    amount: int | None
    payload: str


def donation_code(
    account: BankAccount,
    *,
    campaign_id: int | None = None,
    amount: int | None = None,
    extra: str = "",
) -> DonationCode:
    """The code for a donation to ``account``'s fund (for ``campaign_id``), of ``amount`` when
    given; ``extra`` is a further reference part (a pledge, issue #17). Raises ``InvalidQR``."""
    reference = donation_reference(account.unit_id, campaign_id)
    purpose = donation_purpose(reference, extra=extra)
    payload = build_payload(
        bank_bin=account.bank_bin,
        account_number=account.account_number,
        amount=amount,
        purpose=purpose,
    )
    return DonationCode(account, BY_BIN.get(account.bank_bin), reference, purpose, amount, payload)


def public_account(session: Session, unit: Unit, *, today: date) -> BankAccount | None:
    """The account the public page shows: the fund's primary one, while both are open."""
    if unit.valid_to is not None and unit.valid_to < today:
        return None
    account = session.exec(
        select(BankAccount).where(BankAccount.unit_id == unit.id, col(BankAccount.is_primary))
    ).first()
    if account is None or (account.closed_on is not None and account.closed_on <= today):
        return None
    return account


def open_accounts_of(
    session: Session, unit_ids: list[int], *, today: date
) -> dict[int, BankAccount]:
    """Each fund's account a code is made for (the primary one, else the first open), by fund."""
    found: dict[int, BankAccount] = {}
    if not unit_ids:
        return found
    rows = session.exec(
        select(BankAccount)
        .where(col(BankAccount.unit_id).in_(unit_ids))
        .order_by(col(BankAccount.is_primary).desc(), col(BankAccount.id))
    ).all()
    for account in rows:
        if account.closed_on is None or account.closed_on > today:
            found.setdefault(account.unit_id, account)
    return found


def campaign_of(session: Session, unit_id: int, campaign_id: int) -> Campaign | None:
    """The campaign a code of ``unit_id``'s fund may name: the fund's own or one of a unit
    above it (whose quota the fund carries); None otherwise."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    return campaign if is_within(session, unit_id=unit_id, scope_id=campaign.unit_id) else None


def fund_place(unit: Unit) -> str:
    """The unit's name as it follows "Quỹ Bảo trợ trẻ em": "Xã Chương Dương" → "xã Chương
    Dương" (the level in lower case, the proper name as written)."""
    name = unit.name
    if unit_key(name) != name.casefold():  # the name starts with its level ("Xã …")
        name = name[:1].lower() + name[1:]
    return name
