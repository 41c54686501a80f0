"""Duplicate donors: find them (same name once folded, or the same phone), merge one into
another, and edit a donor's details. Every change is an audit event.

A merge only points the duplicate at its survivor (``merged_into_id``, always the root):
its row and its receipts stay as they are, so no voucher, digest or printed name changes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from ..errors import (
    AnonymousAndPublic,
    DonorAlreadyMerged,
    DonorMergeIntoDuplicate,
    DonorMergeIntoSelf,
    DonorOutOfScope,
    PossibleDuplicateDonor,
)
from ..models import Donor
from ..text import clean, fold
from ..vocab import DonorKind
from .audit import record_event
from .donors import create_donor, phone_key, shown_payer
from .units import in_units

#: the fields an edit may change, as the audit log names them
EDITABLE = ("kind", "phone", "email", "address", "anonymous", "public_consent", "note")


def _visible(unit_ids: Any, viewer_unit_id: int | None) -> tuple[Any, ...]:
    """Donors in scope, not merged, and (an anonymous donor) of the viewer's own fund: pairing
    another fund's anonymous donor with a named one of the same name or phone would say who
    it is."""
    return (
        col(Donor.merged_into_id).is_(None),
        in_units(col(Donor.unit_id), unit_ids),
        ~col(Donor.anonymous) | (col(Donor.unit_id) == viewer_unit_id),
    )


def matching_donors(
    session: Session,
    *,
    unit_ids: Any,
    viewer_unit_id: int | None,
    name: str,
    phone: str = "",
    exclude: int | None = None,
) -> list[Donor]:
    """Donors in scope (not merged) with the same folded name or the same phone; another
    fund's anonymous donor is never one (``_visible``)."""
    key, digits = fold(name)[:200], phone_key(phone)
    same = [col(Donor.search_key) == key] if key else []
    if digits:
        same.append(col(Donor.phone) == digits)
    if not same:
        return []
    query = select(Donor).where(*_visible(unit_ids, viewer_unit_id), or_(*same))
    if exclude is not None:
        query = query.where(col(Donor.id) != exclude)
    return list(session.exec(query.order_by(col(Donor.id))).all())


def duplicate_groups(
    session: Session, *, unit_ids: Any, viewer_unit_id: int | None
) -> list[list[Donor]]:
    """Groups of donors in scope that may be one and the same ("Có thể trùng"): the same name
    once folded, or the same phone; a donor in both kinds of group joins them into one.
    Another fund's anonymous donor is in none (``_visible``)."""
    visible = _visible(unit_ids, viewer_unit_id)
    names = select(Donor.search_key).where(*visible).group_by(Donor.search_key)
    phones = (
        select(Donor.phone)
        .where(*visible, Donor.phone != "")
        .group_by(Donor.phone)
        .having(func.count() > 1)
    )
    rows = session.exec(
        select(Donor)
        .where(*visible)
        .where(
            col(Donor.search_key).in_(names.having(func.count() > 1)) | col(Donor.phone).in_(phones)
        )
        .order_by(col(Donor.search_key), col(Donor.id))
    ).all()
    return _connected(list(rows))


def _connected(donors: list[Donor]) -> list[list[Donor]]:
    parent = {d.id: d.id for d in donors}

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    firsts: dict[tuple[str, str], int] = {}
    for d in donors:
        for key in (("name", d.search_key), ("phone", d.phone)):
            if key[1]:
                first = firsts.setdefault(key, d.id)
                parent[find(d.id)] = find(first)
    groups: dict[int, list[Donor]] = defaultdict(list)
    for d in donors:
        groups[find(d.id)].append(d)
    return [g for g in groups.values() if len(g) > 1]


@dataclass(frozen=True)
class DonorInput:
    """What the edit form changes."""

    kind: str
    phone: str = ""
    email: str = ""
    address: str = ""
    anonymous: bool = False
    public_consent: bool = False
    note: str = ""


def _logged_name(donor: Donor) -> str:
    """The name the audit log may keep (read above the fund: never an anonymous donor's)."""
    return shown_payer(donor.name, anonymous=donor.anonymous, fund_id=None, viewer_unit_id=None)


def update_donor(session: Session, *, donor: Donor, data: DonorInput, user_id: int | None) -> Donor:
    """Change a donor's details (an anonymous donor cannot consent to be named)."""
    if data.anonymous and data.public_consent:
        raise AnonymousAndPublic()
    before = {name: getattr(donor, name) for name in EDITABLE}
    donor.kind = data.kind if data.kind in {k.value for k in DonorKind} else donor.kind
    donor.phone = phone_key(data.phone)
    donor.email = clean(data.email, max_length=200)
    donor.address = clean(data.address, max_length=300)
    donor.anonymous, donor.public_consent = data.anonymous, data.public_consent
    donor.note = clean(data.note, max_length=500)
    after = {name: getattr(donor, name) for name in EDITABLE}
    session.add(donor)
    session.flush()
    if after != before:
        record_event(
            session,
            action="donor.update",
            user_id=user_id,
            unit_id=donor.unit_id,
            object_type="donor",
            object_id=donor.id,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return donor


def _in_scope(session: Session, donor_id: int, unit_ids: set[int]) -> Donor:
    donor = session.get(Donor, donor_id)
    if donor is None or donor.unit_id not in unit_ids:
        raise DonorOutOfScope()
    return donor


def merge_donors(
    session: Session,
    *,
    survivor_id: int,
    duplicate_id: int,
    unit_ids: set[int],
    user_id: int | None,
) -> Donor:
    """Merge ``duplicate_id`` into ``survivor_id`` (or the donor it was itself merged into);
    the duplicates already merged into the duplicate follow it. Returns the survivor."""
    if survivor_id == duplicate_id:
        raise DonorMergeIntoSelf()
    duplicate = _in_scope(session, duplicate_id, unit_ids)
    survivor = _in_scope(session, survivor_id, unit_ids)
    if duplicate.merged_into_id is not None:
        raise DonorAlreadyMerged()
    if survivor.merged_into_id is not None:
        if survivor.merged_into_id == duplicate.id:
            raise DonorMergeIntoDuplicate()
        survivor = _in_scope(session, survivor.merged_into_id, unit_ids)
    session.exec(
        update(Donor)
        .where(col(Donor.merged_into_id) == duplicate.id)
        .values(merged_into_id=survivor.id)
    )
    duplicate.merged_into_id = survivor.id
    session.add(duplicate)
    session.flush()
    session.expire_all()
    record_event(
        session,
        action="donor.merge",
        user_id=user_id,
        unit_id=survivor.unit_id,
        object_type="donor",
        object_id=duplicate_id,
        before={"name": _logged_name(duplicate)},
        after={"survivor": _logged_name(survivor)},
    )
    return session.get_one(Donor, survivor.id)


def add_donor(
    session: Session,
    *,
    unit_id: int,
    unit_ids: Any,
    name: str,
    data: DonorInput,
    allow_duplicate: bool = False,
) -> Donor:
    """Record a donor for ``unit_id`` (the user's own fund); one with the same folded name or
    phone in scope is refused (named in the message as that fund may read it) unless
    ``allow_duplicate``."""
    if data.anonymous and data.public_consent:
        raise AnonymousAndPublic()
    same = matching_donors(
        session, unit_ids=unit_ids, viewer_unit_id=unit_id, name=name, phone=data.phone
    )
    if same and not allow_duplicate:
        names = [
            shown_payer(d.name, anonymous=d.anonymous, fund_id=d.unit_id, viewer_unit_id=unit_id)
            for d in same[:5]
        ]
        raise PossibleDuplicateDonor(names=", ".join(names))
    donor = create_donor(
        session,
        unit_id=unit_id,
        name=name,
        kind=data.kind,
        address=data.address,
        anonymous=data.anonymous,
        phone=data.phone,
        email=data.email,
        public_consent=data.public_consent,
    )
    donor.note = clean(data.note, max_length=500)
    session.add(donor)
    session.flush()
    return donor
