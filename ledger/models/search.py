"""``search_text``: the accent- and case-free text a list's search box is matched against.

Kept on every write of a receipt, disbursement or transfer made through the ORM (a
``before_flush`` hook) and by the bulk receipt writer (``receipt_search_text``); migration
0017 filled the rows written before it. The same ``ledger.text.fold`` runs on the query, so
"nguyen" finds "Nguyễn" on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..text import fold
from .documents import Disbursement, Receipt, Transfer

#: the column's width; the folded fields are cut to it
SEARCH_TEXT_LENGTH = 1200

#: the fields each kind of document is searched by (its number is matched exactly instead)
SEARCHED: dict[type, tuple[str, ...]] = {
    Receipt: ("payer_name", "reason", "in_kind_description", "reference"),
    Disbursement: ("payee_name", "reason"),
    Transfer: ("memo", "difference_reason"),
}


def search_text(values: Any, fields: tuple[str, ...]) -> str:
    """The folded, space-joined ``fields`` of ``values`` (a row dict or a model)."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name, "")
    parts = (fold(get(name) or "") for name in fields)
    return " ".join(p for p in parts if p)[:SEARCH_TEXT_LENGTH]


def receipt_search_text(row: dict) -> str:
    """A receipt row's search text, for writers that insert rows without the ORM."""
    return search_text(row, SEARCHED[Receipt])


@event.listens_for(Session, "before_flush")
def _keep_search_text(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        fields = SEARCHED.get(type(obj))
        if fields is not None:
            text = search_text(obj, fields)
            if obj.search_text != text:
                obj.search_text = text
