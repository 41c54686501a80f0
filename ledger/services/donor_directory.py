"""The donor directory (nhà hảo tâm): who gave, how often, how much, and each donor's history.

A duplicate merged into another donor keeps its row and its receipts; everything here counts
a donor's receipts together with those of the duplicates merged into it (``merged_into_id``
always names the root, ``donor_merge.merge_donors`` keeps it so). Voided receipts are listed
as voided and never counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from ..models import Campaign, Donor, Receipt, Unit
from ..text import fold
from ..vocab import DonorKind
from .campaigns import campaigns_for
from .donors import ANONYMOUS_NAME, phone_key
from .paging import Page
from .receipts import QUOTA_SOURCES
from .standing import receipt_stands
from .units import in_units, subtree_ids

#: the directory's sort orders: name, total given (largest first), last gift (newest first)
SORTS = ("name", "total", "last")


@dataclass(frozen=True)
class DonorRow:
    """One line of the directory."""

    donor: Donor
    gifts: int
    total: int
    last_gift: date | None


def _root() -> Any:
    return func.coalesce(col(Donor.merged_into_id), col(Donor.id))


def _valid() -> Any:
    """A gift that counts: its receipt neither voided nor reversed by a correction."""
    return receipt_stands()


def _giving(unit_ids: Any) -> Any:
    """Per root donor: valid gifts, their total and the last date, within ``unit_ids``."""
    return (
        select(
            _root().label("root"),
            func.count(col(Receipt.id)).label("gifts"),
            func.sum(Receipt.amount).label("total"),
            func.max(Receipt.receipt_date).label("last_gift"),
        )
        .join(Receipt, col(Receipt.donor_id) == col(Donor.id))
        .where(_valid(), in_units(col(Receipt.unit_id), unit_ids))
        .group_by(_root())
        .subquery()
    )


def list_donors(
    session: Session,
    *,
    unit_ids: Any,
    kind: str = "",
    text: str = "",
    sort: str = "name",
    page: int = 1,
    per_page: int = 50,
    viewer_unit_id: int | None = None,
) -> Page[DonorRow]:
    """One page of the donors recorded in ``unit_ids`` (merged duplicates left out), filtered
    by kind and by a name or phone fragment (accents and case ignored); with
    ``viewer_unit_id``, an anonymous donor of another fund is never found by a search."""
    giving = _giving(unit_ids)
    query = (
        select(Donor, giving.c.gifts, giving.c.total, giving.c.last_gift)
        .outerjoin(giving, giving.c.root == col(Donor.id))
        .where(col(Donor.merged_into_id).is_(None), in_units(col(Donor.unit_id), unit_ids))
    )
    if kind in {k.value for k in DonorKind}:
        query = query.where(Donor.kind == kind)
    key, digits = fold(text), phone_key(text)
    if key:
        found = col(Donor.search_key).contains(key)
        if len(digits) >= 3:
            found = found | col(Donor.phone).contains(digits.lstrip("0") or digits)
        if viewer_unit_id is not None:  # an anonymous donor is found only by its own fund
            found = found & (~col(Donor.anonymous) | (col(Donor.unit_id) == viewer_unit_id))
        query = query.where(found)
    count = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    order = {
        "total": (func.coalesce(giving.c.total, 0).desc(),),
        "last": (giving.c.last_gift.is_(None), giving.c.last_gift.desc()),
    }.get(sort, ())
    page = max(1, min(page, -(-count // per_page) or 1))
    # a row the viewer reads as "Nhà hảo tâm (ẩn danh)" sorts by that name, not by the real
    # one: its place among the names would say where the hidden name falls
    hidden: Any = col(Donor.anonymous)
    if viewer_unit_id is not None:
        hidden = hidden & (col(Donor.unit_id) != viewer_unit_id)
    shown_key = case((hidden, fold(ANONYMOUS_NAME)), else_=col(Donor.search_key))
    rows = session.exec(
        query.order_by(*order, shown_key, col(Donor.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    lines = [DonorRow(d, gifts or 0, int(total or 0), last) for d, gifts, total, last in rows]
    return Page(lines, None, None, count, page, per_page)


def family_ids(session: Session, donor: Donor) -> list[int]:
    """The donor and every duplicate merged into it."""
    merged = session.exec(select(Donor.id).where(Donor.merged_into_id == donor.id)).all()
    return [donor.id, *merged]


@dataclass
class History:
    """A donor's giving: totals, by year, by campaign, and one page of the gifts."""

    gifts: int
    total: int
    last_gift: date | None
    by_year: list[tuple[int, int, int]]  # year, gifts, total
    by_campaign: list[tuple[Campaign, Unit, int, int]]  # campaign, its unit, gifts, total
    receipts: Page[Receipt]
    merged: list[Donor] = field(default_factory=list)


def donor_history(
    session: Session,
    donor: Donor,
    *,
    unit_ids: set[int],
    holder_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> History:
    """What ``donor`` (with the duplicates merged into it) gave to the funds in ``unit_ids``."""
    ids = family_ids(session, donor)
    mine = (col(Receipt.donor_id).in_(ids), col(Receipt.unit_id).in_(unit_ids))
    gifts, total, last = session.exec(
        select(
            func.count(col(Receipt.id)),
            func.coalesce(func.sum(Receipt.amount), 0),
            func.max(Receipt.receipt_date),
        ).where(*mine, _valid())
    ).one()
    by_year = session.exec(
        select(Receipt.year, func.count(col(Receipt.id)), func.sum(Receipt.amount))
        .where(*mine, _valid())
        .group_by(col(Receipt.year))
        .order_by(col(Receipt.year).desc())
    ).all()
    count = int(session.exec(select(func.count()).where(*mine)).one())
    page = max(1, min(page, -(-count // per_page) or 1))
    receipts = session.exec(
        select(Receipt)
        .where(*mine)
        .order_by(col(Receipt.receipt_date).desc(), col(Receipt.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    merged = session.exec(
        select(Donor).where(Donor.merged_into_id == donor.id).order_by(col(Donor.id))
    ).all()
    return History(
        gifts=int(gifts),
        total=int(total),
        last_gift=last,
        by_year=[(y, int(n), int(t)) for y, n, t in by_year],
        by_campaign=_by_campaign(session, ids, unit_ids, holder_id),
        receipts=Page(list(receipts), None, None, count, page, per_page),
        merged=list(merged),
    )


def _by_campaign(
    session: Session, ids: list[int], unit_ids: set[int], holder_id: int | None
) -> list[tuple[Campaign, Unit, int, int]]:
    """The donor's valid gifts per campaign the user sees, by the campaigns' own rule: a
    quota-counting receipt credited to a unit of the campaign unit's subtree, in its dates."""
    span = session.exec(
        select(func.min(Receipt.receipt_date), func.max(Receipt.receipt_date)).where(
            col(Receipt.donor_id).in_(ids), _valid()
        )
    ).one()
    if span[0] is None:
        return []
    found = []
    for campaign, unit in campaigns_for(session, unit_ids, holder_id):
        if campaign.ends_on < span[0] or campaign.starts_on > span[1]:
            continue
        gifts, total = session.exec(
            select(func.count(col(Receipt.id)), func.coalesce(func.sum(Receipt.amount), 0)).where(
                col(Receipt.donor_id).in_(ids),
                col(Receipt.unit_id).in_(unit_ids),
                _valid(),
                col(Receipt.source).in_(QUOTA_SOURCES),
                col(Receipt.credit_unit_id).in_(subtree_ids(session, campaign.unit_id)),
                col(Receipt.receipt_date).between(campaign.starts_on, campaign.ends_on),
            )
        ).one()
        if gifts:
            found.append((campaign, unit, int(gifts), int(total)))
    return found
