"""Donors who agreed to be named (Bảng vàng ghi nhận): the honour roll of a fund's public page
and the named lines of its yearly disclosure.

Only a donor with ``public_consent`` (which excludes ``anonymous`` by a table CHECK) is named,
under the survivor a duplicate was merged into; a gift recorded under an anonymous duplicate
stays unnamed. Voided receipts and money that is not a donation (budget, interest) never
count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ..models import Donor, Receipt
from ..vocab import Source
from .standing import receipt_stands

#: the receipts a donor gives (budget, interest and other income are no one's gift)
GIFT_SOURCES = (Source.DONATION.value, Source.DESIGNATED.value)


@dataclass(frozen=True)
class NamedDonor:
    """One line of the honour roll: a donor's name, kind and what they gave in the year."""

    name: str
    kind: str
    amount: int
    gifts: int


def _named_query(unit_id: int, year: int):
    given = aliased(Donor)
    survivor = aliased(Donor)
    survivor_id = func.coalesce(given.merged_into_id, given.id)
    total = func.sum(Receipt.amount)
    return (
        select(survivor.name, survivor.kind, total, func.count(col(Receipt.id)))
        .join(given, col(given.id) == Receipt.donor_id)
        .join(survivor, col(survivor.id) == survivor_id)
        .where(
            Receipt.unit_id == unit_id,
            col(Receipt.receipt_date).between(date(year, 1, 1), date(year, 12, 31)),
            receipt_stands(),
            col(Receipt.source).in_(GIFT_SOURCES),
            col(survivor.public_consent).is_(True),
            col(survivor.anonymous).is_(False),
            col(given.anonymous).is_(False),
        )
        .group_by(col(survivor.id), col(survivor.name), col(survivor.kind))
        .order_by(total.desc(), col(survivor.name), col(survivor.id))
    )


def honour_roll(
    session: Session, *, unit_id: int, year: int, offset: int = 0, limit: int | None = None
) -> list[NamedDonor]:
    """The named donors of ``unit_id``'s fund in ``year``, the largest gift first."""
    query = _named_query(unit_id, year).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [NamedDonor(n, k, int(a), int(c)) for n, k, a, c in session.exec(query).all()]


def honour_roll_size(session: Session, *, unit_id: int, year: int) -> tuple[int, int]:
    """(number of named donors, Σ of their gifts) of ``unit_id``'s fund in ``year``."""
    rows = _named_query(unit_id, year).order_by(None).subquery()
    count, total = session.exec(
        select(func.count(), func.coalesce(func.sum(rows.c[2]), 0)).select_from(rows)
    ).one()
    return int(count), int(total)
