"""The search box of the lists: accent- and case-free, and a voucher number ("17", "17/2026").

Matches the ``search_text`` column (``models.search``) with the same ``fold`` on both
databases; a receipt is also found by the current name of its donor.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, false, or_
from sqlmodel import col, select

from ..models import Disbursement, Donor, Receipt, Transfer
from ..text import fold

_NUMBER = re.compile(r"(\d{1,9})(?:\s*/\s*(\d{4}))?")


def _number(model: Any, key: str) -> Any:
    """``number = 17`` (and ``year = 2026``) when the search is a voucher number."""
    found = _NUMBER.fullmatch(key)
    if found is None:
        return false()
    number, year = int(found.group(1)), found.group(2)
    condition = col(model.number) == number
    return and_(condition, col(model.year) == int(year)) if year else condition


def _text(model: Any, key: str) -> Any:
    return col(model.search_text).contains(key, autoescape=True)


def receipt_matches(text: str, *, viewer_unit_id: int | None = None) -> Any:
    """Receipts whose payer, reason, in-kind description, reference or donor's name contains
    ``text`` (accents and case ignored), or whose number it is.

    With ``viewer_unit_id`` (a viewer of that unit), the text never finds an anonymous donor's
    gift recorded by another fund: a level above must not learn who gave by searching a name.
    """
    key = fold(text)
    donors = select(col(Donor.id)).where(col(Donor.search_key).contains(key, autoescape=True))
    found = or_(_text(Receipt, key), col(Receipt.donor_id).in_(donors))
    if viewer_unit_id is not None:
        found = and_(found, _not_hidden_from(viewer_unit_id))
    return or_(found, _number(Receipt, key))


def hidden_donors() -> Any:
    """The ids of the donors whose name is hidden outside their fund: anonymous ones, and
    those merged into an anonymous donor (``donors.anonymous_donor_ids`` as a subquery)."""
    anonymous = select(col(Donor.id)).where(col(Donor.anonymous))
    return select(col(Donor.id)).where(
        or_(col(Donor.anonymous), col(Donor.merged_into_id).in_(anonymous))
    )


def not_hidden_from(viewer_unit_id: int, *, unit_id: Any, donor_id: Any) -> Any:
    """Rows (recorded by ``unit_id``, of ``donor_id``) the viewer may find by a donor's name:
    the viewer's own fund's, and any whose donor is not anonymous (nor merged into one)."""
    return or_(unit_id == viewer_unit_id, donor_id.is_(None), donor_id.not_in(hidden_donors()))


def _not_hidden_from(viewer_unit_id: int) -> Any:
    """Receipts whose payer the viewer may search by name: the viewer's own fund's, and any
    whose donor is not anonymous (nor merged into an anonymous donor)."""
    return not_hidden_from(
        viewer_unit_id, unit_id=col(Receipt.unit_id), donor_id=col(Receipt.donor_id)
    )


def disbursement_matches(text: str) -> Any:
    """Disbursements whose payee or reason contains ``text``, or whose number it is."""
    key = fold(text)
    return or_(_text(Disbursement, key), _number(Disbursement, key))


def transfer_matches(text: str) -> Any:
    """Transfers whose memo or difference reason contains ``text``, or whose cash voucher
    number it is (a transfer's year is the year it was sent)."""
    key = fold(text)
    found = _NUMBER.fullmatch(key)
    number: Any = false()
    if found is not None:
        number = col(Transfer.number) == int(found.group(1))
    return or_(_text(Transfer, key), number)
