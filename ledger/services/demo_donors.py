"""The demo's donor directory: a few Chương Dương donors with a phone, a kind and consent to
be named, and one duplicate left to merge ("Có thể trùng")."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ..models import Donor
from .donors import create_donor, phone_key
from .units import find_unit

#: the duplicate the demo leaves for a treasurer to merge (the same school, typed without accents)
DEMO_DUPLICATE = "truong thcs chuong duong"
#: (a donor's name fragment, phone, consents to be named)
_DETAILS = (("0912 345 678", True), ("0983 456 789", False), ("0243 765 432", True))


def seed_demo_donors(session: Session, *, commune_code: str = "TT-CHUONGDUONG") -> int:
    """Contact details for the commune's first donors and one duplicate pair (skipped when
    the duplicate is already there); returns how many donors changed."""
    commune = find_unit(session, commune_code)
    if session.exec(
        select(Donor).where(Donor.unit_id == commune.id, Donor.name == DEMO_DUPLICATE)
    ).first():
        return 0
    donors = session.exec(
        select(Donor).where(Donor.unit_id == commune.id).order_by(col(Donor.id)).limit(3)
    ).all()
    for donor, (phone, consent) in zip(donors, _DETAILS, strict=False):
        donor.phone = phone_key(phone)
        donor.public_consent = consent and not donor.anonymous
        session.add(donor)
    school = session.exec(
        select(Donor).where(Donor.unit_id == commune.id, Donor.search_key == DEMO_DUPLICATE)
    ).first() or create_donor(session, unit_id=commune.id, name="Trường THCS Chương Dương")
    school.kind, school.phone, school.public_consent = "school", "02437651234", True
    school.address = school.address or "Xã Chương Dương, huyện Thường Tín"
    session.add(school)
    create_donor(session, unit_id=commune.id, name=DEMO_DUPLICATE, phone="+84 24 3765 1234")
    session.flush()
    return len(donors) + 2
