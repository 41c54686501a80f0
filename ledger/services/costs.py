"""Management costs: their share of the year's eligible revenue, against a configurable cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from . import rollups
from .settings import int_setting


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
    """The management share of ``unit_id``'s subtree in ``year`` (reversals included): two
    reads of the unit's year rollup rows (``services.rollups``)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    spent = rollups.spent(session, [unit_id], start, end, management=True).get(unit_id, 0)
    found = rollups.totals(session, [unit_id], start, end).get(unit_id)
    return ManagementCosts(
        spent=spent,
        revenue=found.donations if found else 0,
        cap_percent=int_setting(session, "management_cap_percent"),
    )


def management_costs_of(session: Session, *, unit_ids, year: int) -> dict[int, ManagementCosts]:
    """``management_costs`` of several units in one year, from two aggregates."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    spent = rollups.spent(session, unit_ids, start, end, management=True)
    found = rollups.totals(session, unit_ids, start, end)
    cap = int_setting(session, "management_cap_percent")
    return {
        u: ManagementCosts(
            spent=spent.get(u, 0),
            revenue=found[u].donations if u in found else 0,
            cap_percent=cap,
        )
        for u in unit_ids
    }
