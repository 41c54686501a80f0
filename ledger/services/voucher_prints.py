"""Several vouchers printed at once (issue #18): a fund's receipts or payment vouchers of one
day, or a range of their numbers in one year, in number order, voided ones included (they print
marked "ĐÃ HỦY"). One print job takes at most ``MAX_PRINT`` vouchers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlmodel import Session, col, select

from ..errors import NothingToPrint, PrintRangeReversed, TooManyToPrint
from ..models import Disbursement, Receipt, Unit

T = TypeVar("T")

#: the most vouchers one batch print takes (100 A4 sheets, two A5 vouchers each)
MAX_PRINT = 200


@dataclass(frozen=True)
class PrintChoice:
    """Which vouchers of ``fund_id``: those dated ``day``, else numbers ``first``…``last`` of
    ``year``."""

    fund_id: int
    day: date | None = None
    year: int | None = None
    first: int | None = None
    last: int | None = None


def receipts_to_print(session: Session, choice: PrintChoice) -> list[Receipt]:
    """The fund's receipt vouchers chosen, in number order."""
    query = select(Receipt).where(Receipt.unit_id == choice.fund_id)
    if choice.day is not None:
        query = query.where(Receipt.receipt_date == choice.day)
    else:
        first, last = _range(choice)
        query = query.where(Receipt.year == choice.year).where(
            col(Receipt.number).between(first, last)
        )
    query = query.order_by(col(Receipt.year), col(Receipt.number)).limit(MAX_PRINT + 1)
    return _checked(session, choice, list(session.exec(query).all()))


def payments_to_print(session: Session, choice: PrintChoice) -> list[Disbursement]:
    """The fund's payment vouchers (phiếu chi: paid, or voided once paid) chosen, in number
    order; drafts and approvals not yet paid have no voucher."""
    query = select(Disbursement).where(
        Disbursement.unit_id == choice.fund_id, col(Disbursement.number).is_not(None)
    )
    if choice.day is not None:
        query = query.where(Disbursement.disbursement_date == choice.day)
    else:
        first, last = _range(choice)
        query = query.where(Disbursement.year == choice.year).where(
            col(Disbursement.number).between(first, last)
        )
    query = query.order_by(col(Disbursement.year), col(Disbursement.number)).limit(MAX_PRINT + 1)
    return _checked(session, choice, list(session.exec(query).all()))


def _range(choice: PrintChoice) -> tuple[int, int]:
    """The numbers asked for, refused when reversed or wider than one print job."""
    first = choice.first or 1
    last = choice.last if choice.last is not None else first
    if first > last:
        raise PrintRangeReversed()
    if last - first + 1 > MAX_PRINT:
        raise TooManyToPrint(limit=MAX_PRINT, count=last - first + 1)
    return first, last


def _checked(session: Session, choice: PrintChoice, found: list[T]) -> list[T]:
    if not found:
        raise NothingToPrint(fund=session.get_one(Unit, choice.fund_id).name)
    if len(found) > MAX_PRINT:
        raise TooManyToPrint(limit=MAX_PRINT, count=f"{MAX_PRINT}+")
    return found
