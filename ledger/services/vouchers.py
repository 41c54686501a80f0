"""Voucher numbers: gap-free per fund, year and kind (thu / chi), and the warning when a new
voucher's date goes back against its series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import BindParameter, bindparam
from sqlmodel import Session, col, select

from ..models import Disbursement, Receipt, Transfer, VoucherCounter
from ..vocab import Method, VoucherKind


def next_number(session: Session, *, unit_id: int, year: int, kind: str, count: int = 1) -> int:
    """Take the next ``count`` numbers and return the first; the caller holds the fund's lock,
    so no two take the same."""
    counter = session.exec(_counter(), params={"unit": unit_id, "year": year, "kind": kind}).first()
    if counter is None:
        counter = VoucherCounter(unit_id=unit_id, year=year, kind=kind, last_number=0)
        session.add(counter)
    first = counter.last_number + 1
    counter.last_number += count
    session.flush()
    return first


# Built once with named parameters (every receipt and payout runs them): see
# ``journal._chain_head``.
@cache
def _counter():
    return (
        select(VoucherCounter)
        .where(*_series())
        .with_for_update()
        .execution_options(populate_existing=True)
    )


@cache
def _last_number():
    return select(VoucherCounter.last_number).where(*_series())


def _series() -> tuple:
    """The counter of the series ``:unit``, ``:year``, ``:kind``."""
    return (
        VoucherCounter.unit_id == bindparam("unit"),
        VoucherCounter.year == bindparam("year"),
        VoucherCounter.kind == bindparam("kind"),
    )


@dataclass(frozen=True)
class Backdated:
    """A new voucher dated before the latest-dated voucher already numbered in its series:
    numbers follow the order vouchers are made, so it takes ``next_number`` after ``number``
    of ``latest``."""

    kind: str
    number: int
    latest: date
    on: date
    next_number: int

    @property
    def year(self) -> int:
        return self.on.year


def backdated(session: Session, *, unit_id: int, kind: str, on: date) -> Backdated | None:
    """Whether a ``kind`` voucher of ``unit_id`` dated ``on`` goes back against its series
    (earlier than a voucher of the same fund and year already numbered); None when it does
    not. Read-only: the warning asks the user to confirm, it never refuses."""
    latest = _latest(session, unit_id=unit_id, kind=kind, year=on.year)
    if latest is None or on >= latest[1]:
        return None
    params = {"unit": unit_id, "year": on.year, "kind": kind}
    last = session.exec(_last_number(), params=params).first()
    return Backdated(
        kind=kind, number=latest[0], latest=latest[1], on=on, next_number=(last or latest[0]) + 1
    )


def _latest(session: Session, *, unit_id: int, kind: str, year: int) -> tuple[int, date] | None:
    """The (number, date) of the latest-dated voucher numbered in the series (the highest
    number that day), documents and cash ↔ bank moves alike."""
    found = [row for row in _candidates(session, unit_id, kind, year) if row is not None]
    return max(found, key=lambda row: (row[1], row[0])) if found else None


def _candidates(session: Session, unit_id: int, kind: str, year: int) -> list:
    return [
        _latest_document(session, unit_id, kind, year),
        _latest_move(session, unit_id, kind, year),
    ]


def _latest_document(session: Session, unit_id: int, kind: str, year: int):
    """The latest-dated receipt (or paid disbursement) of the fund's year, as (number, date)."""
    params: dict[str, object] = {"unit": unit_id, "year": year}
    if kind == VoucherKind.RECEIPT:
        query = _latest_receipt()
        params.update(first=date(year, 1, 1), last=date(year, 12, 31))
    else:
        query = _latest_payout()
    row = session.exec(query, params=params).first()
    return tuple(row) if row else None


@cache
def _latest_receipt():
    return (
        select(col(Receipt.number), col(Receipt.receipt_date))
        .where(
            Receipt.unit_id == bindparam("unit"),
            Receipt.year == bindparam("year"),
            # the year's days too, so the (fund, date) index reads from the year's last day
            # back, not every later receipt of the fund
            col(Receipt.receipt_date).between(bindparam("first"), bindparam("last")),
        )
        .order_by(col(Receipt.receipt_date).desc(), col(Receipt.number).desc())
        .limit(1)
    )


@cache
def _latest_payout():
    return (
        select(col(Disbursement.number), col(Disbursement.disbursement_date))
        .where(
            Disbursement.unit_id == bindparam("unit"),
            Disbursement.year == bindparam("year"),
            col(Disbursement.number).is_not(None),
        )
        .order_by(col(Disbursement.disbursement_date).desc(), col(Disbursement.number).desc())
        .limit(1)
    )


def _latest_move(session: Session, unit_id: int, kind: str, year: int):
    """The latest-dated cash ↔ bank move numbered in the series (a deposit is a phiếu chi, a
    withdrawal a phiếu thu), as (number, date)."""
    method = Method.BANK if kind == VoucherKind.RECEIPT else Method.CASH
    params = {
        "unit": unit_id,
        "method": method,
        "first": date(year, 1, 1),
        "last": date(year, 12, 31),
    }
    row = session.exec(_latest_transfer(), params=params).first()
    return tuple(row) if row else None


@cache
def _latest_transfer():
    unit: BindParameter[int] = bindparam("unit")
    return (
        select(col(Transfer.number), col(Transfer.sent_on))
        .where(
            Transfer.from_unit_id == unit,
            Transfer.to_unit_id == unit,
            Transfer.from_method == bindparam("method"),
            col(Transfer.number).is_not(None),
            col(Transfer.sent_on) >= bindparam("first"),
            col(Transfer.sent_on) <= bindparam("last"),
        )
        .order_by(col(Transfer.sent_on).desc(), col(Transfer.number).desc())
        .limit(1)
    )
