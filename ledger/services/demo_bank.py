"""The demo's bank accounts: each fund of Thường Tín (the district, its communes, and the
communes formed from them in 2025) keeps one Agribank account, so the bank pages, statement
import and the later matching have something to show. Running it twice adds nothing."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ..models import BankAccount, Unit, UnitSuccession
from .bank_accounts import add_bank_account
from .units import find_unit, subtree_ids

#: Agribank's NAPAS BIN
AGRIBANK = "970405"
#: Agribank Thường Tín's branch prefix in the demo's account numbers (13 digits, as Agribank's)
BRANCH_PREFIX = "22052050"


def demo_bank_funds(session: Session, district_code: str = "TT") -> list[Unit]:
    """Thường Tín's units and the units its communes became in 2025, by id."""
    district = find_unit(session, district_code)
    ids = subtree_ids(session, district.id)
    ids |= set(
        session.exec(
            select(UnitSuccession.successor_id).where(
                col(UnitSuccession.predecessor_id).in_(sorted(ids))
            )
        )
    )
    return list(
        session.exec(select(Unit).where(col(Unit.id).in_(sorted(ids))).order_by(col(Unit.id)))
    )


def seed_demo_bank_accounts(session: Session, district_code: str = "TT") -> int:
    """One Agribank account for each demo fund that has none; a unit that ceased has its
    account closed on the day it ceased. Returns how many were added."""
    added = 0
    for unit in demo_bank_funds(session, district_code):
        if session.exec(select(BankAccount.id).where(BankAccount.unit_id == unit.id)).first():
            continue
        account = add_bank_account(
            session,
            unit_id=unit.id,
            bank_bin=AGRIBANK,
            account_number=f"{BRANCH_PREFIX}{unit.id:05d}",
            holder_name=f"Quỹ Bảo trợ trẻ em {unit.name}",
            branch="Agribank Chi nhánh Thường Tín",
            opened_on=unit.valid_from,
        )
        if unit.valid_to is not None:
            account.closed_on = max(unit.valid_to, unit.valid_from)
            session.add(account)
        added += 1
    session.flush()
    return added
