"""Donors (người nộp / nhà hảo tâm): create and find by a few typed letters."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, col, select

from ..models import Donor
from ..text import clean, fold


def create_donor(
    session: Session,
    *,
    unit_id: int,
    name: str,
    kind: str = "individual",
    address: str = "",
    anonymous: bool = False,
) -> Donor:
    """Create a donor recorded by ``unit_id``; an anonymous donor may have no name."""
    name = clean(name, max_length=200) or "Nhà hảo tâm (ẩn danh)"
    donor = Donor(
        unit_id=unit_id,
        name=name,
        search_key=fold(name)[:200],
        kind=kind,
        address=clean(address, max_length=300),
        anonymous=anonymous,
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
    """Donors in scope whose name contains ``text`` (accent-insensitive)."""
    key = fold(text)
    if len(key) < 2:
        return []
    query = (
        select(Donor)
        .where(col(Donor.unit_id).in_(unit_ids), col(Donor.search_key).contains(key))
        .order_by(col(Donor.name))
        .limit(limit)
    )
    return list(session.exec(query).all())
