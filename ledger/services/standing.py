"""Whether a receipt still stands: not voided, and no entry reverses the entry it posted.

A receipt in a locked period is not voided but corrected (``receipts.correct_receipt``): a
reversing entry in the open period names the receipt's entry (``Entry.reverses_id``) and the
receipt keeps ``voided_at`` empty. Whatever counts a receipt as money received (pledge
settlements, the honour roll, a gift looked up) asks this one predicate, never ``voided_at``
alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, not_
from sqlmodel import Session, col, select

from ..models import Entry, Receipt


def receipt_stands() -> Any:
    """SQL: the ``Receipt`` of the enclosing query is neither voided nor reversed."""
    reversed_ = exists().where(col(Entry.reverses_id) == col(Receipt.entry_id))
    return and_(col(Receipt.voided_at).is_(None), not_(reversed_))


def still_stands(session: Session, receipt: Receipt) -> bool:
    """The same for one receipt already loaded."""
    if receipt.voided_at is not None:
        return False
    return (
        session.exec(select(Entry.id).where(Entry.reverses_id == receipt.entry_id)).first() is None
    )
