"""Voucher numbers: gap-free per fund, year and kind (thu / chi)."""

from __future__ import annotations

from sqlmodel import Session, select

from ..models import VoucherCounter


def next_number(session: Session, *, unit_id: int, year: int, kind: str, count: int = 1) -> int:
    """Take the next ``count`` numbers and return the first; the caller holds the fund's lock,
    so no two take the same."""
    counter = session.exec(
        select(VoucherCounter)
        .where(
            VoucherCounter.unit_id == unit_id,
            VoucherCounter.year == year,
            VoucherCounter.kind == kind,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if counter is None:
        counter = VoucherCounter(unit_id=unit_id, year=year, kind=kind, last_number=0)
        session.add(counter)
    first = counter.last_number + 1
    counter.last_number += count
    session.flush()
    return first
