"""Donors (người nộp / nhà hảo tâm): create and find by a few typed letters, and the one
rule for showing a payer's name outside the fund that recorded it (``shown_payer``)."""

from __future__ import annotations

import re

from sqlalchemy import insert
from sqlmodel import Session, col, select

from ..models import Donor, Receipt
from ..text import clean, fold

#: what an anonymous donor is called wherever the name must not show
ANONYMOUS_NAME = "Nhà hảo tâm (ẩn danh)"


def phone_key(phone: object) -> str:
    """A phone number as digits, ``+84``/``84`` written as the leading ``0``:
    "+84 912 345 678" and "0912.345.678" → "0912345678"."""
    digits = re.sub(r"\D", "", str(phone or ""))
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits[:30]


def shown_payer(
    name: str, *, anonymous: bool, fund_id: int | None, viewer_unit_id: int | None
) -> str:
    """The payer's name as a viewer may read it: the recording fund's own staff see it; anyone
    else (a level above, an export, a public page: ``viewer_unit_id`` None) reads
    "Nhà hảo tâm (ẩn danh)" for an anonymous donor."""
    if anonymous and (viewer_unit_id is None or viewer_unit_id != fund_id):
        return ANONYMOUS_NAME
    return name if name or not anonymous else ANONYMOUS_NAME


def anonymous_donor_ids(session: Session, donor_ids: set[int | None]) -> set[int]:
    """Which of ``donor_ids`` are anonymous (themselves or the donor they were merged into)."""
    ids = {i for i in donor_ids if i is not None}
    if not ids:
        return set()
    rows = session.exec(
        select(Donor.id, Donor.anonymous, Donor.merged_into_id).where(col(Donor.id).in_(ids))
    ).all()
    roots = {r for _i, _a, r in rows if r is not None}
    hidden_roots = (
        set(
            session.exec(
                select(Donor.id).where(col(Donor.id).in_(roots), col(Donor.anonymous))
            ).all()
        )
        if roots
        else set()
    )
    return {i for i, anonymous, root in rows if anonymous or root in hidden_roots}


def hidden_payers(
    session: Session, receipts: list[Receipt], *, viewer_unit_id: int | None
) -> set[int]:
    """The ids of ``receipts`` whose payer ``viewer_unit_id`` may not read by name (the
    ``shown_payer`` rule: an anonymous donor's gift, read outside the fund that recorded it).
    The fund's own staff read every name: their own receipts ask the database nothing."""
    outside = [
        r
        for r in receipts
        if r.id is not None
        and r.donor_id is not None
        and shown_payer("-", anonymous=True, fund_id=r.unit_id, viewer_unit_id=viewer_unit_id)
        == ANONYMOUS_NAME
    ]
    hidden = anonymous_donor_ids(session, {r.donor_id for r in outside})
    return {r.id for r in outside if r.donor_id in hidden}


def create_donor(
    session: Session,
    *,
    unit_id: int,
    name: str,
    kind: str = "individual",
    address: str = "",
    anonymous: bool = False,
    phone: str = "",
    email: str = "",
    public_consent: bool = False,
) -> Donor:
    """Create a donor recorded by ``unit_id``; an anonymous donor may have no name."""
    name = clean(name, max_length=200) or ANONYMOUS_NAME
    donor = Donor(
        unit_id=unit_id,
        name=name,
        search_key=fold(name)[:200],
        kind=kind,
        address=clean(address, max_length=300),
        anonymous=anonymous,
        phone=phone_key(phone),
        email=clean(email, max_length=200),
        public_consent=public_consent and not anonymous,
    )
    session.add(donor)
    session.flush()
    return donor


def find_or_create_donor(
    session: Session, *, unit_id: int, name: str, kind: str = "individual"
) -> Donor:
    """The donor of this unit with exactly this name (ignoring case and accents), or a new one."""
    key = fold(name)[:200]
    donor = session.exec(
        select(Donor).where(Donor.unit_id == unit_id, Donor.search_key == key)
    ).first()
    if donor is not None and donor.merged_into_id is not None:
        return session.get_one(Donor, donor.merged_into_id)
    return donor or create_donor(session, unit_id=unit_id, name=name, kind=kind)


def resolve_donors(
    session: Session, *, unit_id: int, names: list[str], kind: str = "individual"
) -> dict[str, int]:
    """Donor ids by folded name for many names at once, creating the missing ones."""
    wanted = {fold(n)[:200]: clean(n, max_length=200) for n in names if clean(n)}
    found = (
        dict(
            session.exec(
                select(Donor.search_key, Donor.id).where(
                    Donor.unit_id == unit_id, col(Donor.search_key).in_(list(wanted))
                )
            ).all()
        )
        if wanted
        else {}
    )
    keys = [k for k in wanted if k not in found]
    missing = [
        {
            "unit_id": unit_id,
            "name": wanted[k],
            "search_key": k,
            "kind": kind,
            "address": "",
            "anonymous": False,
        }
        for k in keys
    ]
    if missing:
        ids = session.exec(
            insert(Donor).returning(col(Donor.id), sort_by_parameter_order=True), params=missing
        ).scalars()
        found.update(zip(keys, ids, strict=False))
    return found


def search_donors(
    session: Session, *, unit_ids: set[int], text: str, limit: int = 10
) -> list[Donor]:
    """Donors in scope whose name contains ``text`` (accent-insensitive); a duplicate merged
    into another donor is left out (its survivor is offered)."""
    key = fold(text)
    if len(key) < 2:
        return []
    query = (
        select(Donor)
        .where(col(Donor.unit_id).in_(unit_ids), col(Donor.search_key).contains(key))
        .where(col(Donor.merged_into_id).is_(None))
        .order_by(col(Donor.name))
        .limit(limit)
    )
    return list(session.exec(query).all())
