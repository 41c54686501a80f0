"""What the receipt form needs beyond recording: the book number to prefill, the amount in
words as the voucher will print it, and the donors a typed name already belongs to."""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from ..models import Donor, Receipt
from ..money import amount_in_words
from ..text import fold
from .settings import voucher_settings


def last_book_no(session: Session, *, unit_id: int, user_id: int) -> str:
    """The quyển số of the last receipt ``user_id`` recorded in this fund ("" if none)."""
    found = session.exec(
        select(Receipt.book_no)
        .where(Receipt.unit_id == unit_id, Receipt.created_by_id == user_id)
        .order_by(col(Receipt.id).desc())
        .limit(1)
    ).first()
    return found or ""


def words_of(session: Session, amount: int, on: date | None = None) -> str:
    """The amount in words exactly as a voucher dated ``on`` prints it (the same settings)."""
    settings = voucher_settings(session, on)
    return amount_in_words(amount, linh=settings["linh"], even=settings["even"])


def same_name_donors(session: Session, *, unit_id: int, name: str, limit: int = 5) -> list[Donor]:
    """The fund's donors whose name is ``name`` ignoring accents and case (not merged away)."""
    key = fold(name)[:200]
    if not key:
        return []
    params = {"unit": unit_id, "key": key, "limit": limit}
    return list(session.exec(_same_name(), params=params).all())


@cache  # built once: every new payer's receipt asks (see ``journal._chain_head``)
def _same_name():
    return (
        select(Donor)
        .where(
            Donor.unit_id == bindparam("unit"),
            Donor.search_key == bindparam("key"),
            col(Donor.merged_into_id).is_(None),
            col(Donor.anonymous).is_(False),
        )
        .order_by(col(Donor.id))
        .limit(bindparam("limit"))
    )
