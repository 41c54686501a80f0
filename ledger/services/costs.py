"""Management costs: their share of the year's eligible revenue, against a configurable cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import Account, Category, Posting
from .settings import int_setting
from .units import subtree_ids


@dataclass
class ManagementCosts:
    """Σ mgmt_* spending and Σ donations in a year, over a fund and the funds under it."""

    spent: int
    revenue: int
    cap_percent: int

    @property
    def share(self) -> float:
        return round(self.spent * 100 / self.revenue, 1) if self.revenue else 0.0

    @property
    def over_cap(self) -> bool:
        return self.spent * 100 > self.cap_percent * self.revenue


def management_costs(session: Session, *, unit_id: int, year: int) -> ManagementCosts:
    """The management share of ``unit_id``'s subtree in ``year`` (reversals included)."""
    units = list(subtree_ids(session, unit_id))
    start, end = date(year, 1, 1), date(year, 12, 31)
    codes = session.exec(select(Category.code).where(Category.is_management)).all()
    spent = _sum(session, units, start, end, [f"expense:{c}" for c in codes])
    revenue = -_sum(session, units, start, end, ["donations"])
    return ManagementCosts(
        spent=spent, revenue=revenue, cap_percent=int_setting(session, "management_cap_percent")
    )


def _sum(session, units, start, end, kinds) -> int:
    if not kinds:
        return 0
    return int(
        session.exec(
            select(func.coalesce(func.sum(Posting.amount), 0))
            .join(Account, col(Account.id) == Posting.account_id)
            .where(
                col(Account.unit_id).in_(units),
                col(Account.kind).in_(kinds),
                Posting.entry_date >= start,
                Posting.entry_date <= end,
            )
        ).one()
    )
