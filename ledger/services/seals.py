"""Seals: a digest of each meaningful row's content, kept in the audit chain.

Every change to a receipt, disbursement, transfer, child record or period lock writes an audit
event whose ``digest`` is the row's content after the change (documents include the hashes of
the entries they posted, so re-hashing a fund's journal breaks their seals too). ``check``
recomputes each row's digest and compares it with the last event about it.

The fields are listed, not taken from the table: a new column does not change old seals. A
change to these lists needs a migration that re-seals (see migrations 0005).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlmodel import Session, col, select

from ..models import (
    Beneficiary,
    BeneficiaryGroup,
    Disbursement,
    Entry,
    PeriodLock,
    Receipt,
    Transfer,
    table_of,
)


@dataclass(frozen=True)
class Sealed:
    """How one kind of row is sealed: its table, key, fund column, fields and entry links."""

    table: Table
    key: str
    fund: str
    fields: tuple[str, ...]
    entries: tuple[str, ...] = ()


SEALED: dict[str, Sealed] = {
    "receipt": Sealed(
        table_of(Receipt),
        "id",
        "unit_id",
        (
            "unit_id",
            "year",
            "number",
            "book_no",
            "receipt_date",
            "donor_id",
            "payer_name",
            "payer_address",
            "amount",
            "method",
            "source",
            "in_kind_description",
            "credit_unit_id",
            "purpose",
            "reason",
            "note",
            "attachments",
            "reference",
            "void_reason",
            "voided_by_id",
            "voided_at",
            "created_by_id",
        ),
        ("entry_id", "void_entry_id"),
    ),
    "disbursement": Sealed(
        table_of(Disbursement),
        "id",
        "unit_id",
        (
            "unit_id",
            "year",
            "number",
            "book_no",
            "disbursement_date",
            "category_id",
            "beneficiary_id",
            "children_count",
            "amount_each",
            "payee_name",
            "payee_address",
            "reason",
            "amount",
            "method",
            "attachments",
            "status",
            "drafted_by_id",
            "decided_by_id",
            "decided_at",
            "decision_comment",
            "void_reason",
        ),
        ("entry_id", "void_entry_id"),
    ),
    "transfer": Sealed(
        table_of(Transfer),
        "id",
        "from_unit_id",
        (
            "from_unit_id",
            "to_unit_id",
            "from_method",
            "to_method",
            "amount_sent",
            "sent_on",
            "amount_received",
            "received_on",
            "difference_reason",
            "status",
            "memo",
            "created_by_id",
            "received_by_id",
        ),
        ("sent_entry_id", "received_entry_id"),
    ),
    "beneficiary": Sealed(
        table_of(Beneficiary),
        "id",
        "unit_id",
        (
            "unit_id",
            "full_name",
            "birth_date",
            "sex",
            "guardian_name",
            "consent_by",
            "consent_on",
            "created_by_id",
        ),
    ),
    "periodlock": Sealed(
        table_of(PeriodLock),
        "unit_id",
        "unit_id",
        ("unit_id", "locked_through", "locked_by_id", "locked_at"),
    ),
}


def digest_of(kind: str, key: int, values: Mapping[Any, Any], links: list) -> str:
    """sha256 over a row's sealed content (``links``: hashes of entries, child groups…).

    ``repr`` of plain Python values (int, str, bool, None, date, datetime) is canonical and
    2.5× cheaper than JSON, which matters when ``check`` seals a million receipts."""
    content = (kind, key, tuple(values[f] for f in SEALED[kind].fields), tuple(links))
    return hashlib.sha256(repr(content).encode()).hexdigest()


def digests(
    session: Session, kind: str, *, keys=None, funds=None, key_range: tuple[int, int] | None = None
) -> dict[int, tuple[int, str]]:
    """{key: (fund, digest)} of the rows of ``kind``, narrowed to ``keys``, ``funds`` or a key range."""
    spec = SEALED[kind]
    if funds is None and key_range is not None:  # rows just written: built once (``_in_range``)
        low, high = key_range
        result = session.connection().execute(_in_range(kind), {"low": low, "high": high})
    else:
        query = _sealed_columns(kind)
        if funds is not None:
            query = query.where(spec.table.c[spec.fund].in_(funds))
        if key_range is not None:
            query = query.where(spec.table.c[spec.key].between(*key_range))
        result = session.connection().execute(query)
    rows = result.mappings().all()
    if keys is not None:
        wanted = set(keys)
        rows = [r for r in rows if r[spec.key] in wanted]
    hashes = _entry_hashes(session, {r[e] for r in rows for e in spec.entries if r[e]})
    groups = _groups(session, [r["id"] for r in rows]) if kind == "beneficiary" else {}
    return {
        r[spec.key]: (
            r[spec.fund],
            digest_of(
                kind,
                r[spec.key],
                r,
                [
                    *(hashes.get(r[e]) if r[e] else None for e in spec.entries),
                    *groups.get(r[spec.key], []),
                ],
            ),
        )
        for r in rows
    }


def _sealed_columns(kind: str):
    """The select of what ``digest_of`` reads of a ``kind`` row (no condition yet)."""
    spec = SEALED[kind]
    table = spec.table
    return select(
        table.c[spec.key],
        table.c[spec.fund],
        *(table.c[f] for f in spec.fields),
        *(table.c[e] for e in spec.entries),
    )


@cache
def _in_range(kind: str):
    """The rows of ``kind`` with keys from ``:low`` to ``:high``, built once per kind: every
    audited write seals the rows it wrote (see ``journal._chain_head``)."""
    spec = SEALED[kind]
    key = spec.table.c[spec.key]
    return _sealed_columns(kind).where(key.between(bindparam("low"), bindparam("high")))


def digest_now(session: Session, kind: str, key: int) -> str:
    """The digest of one row as it is now in this transaction ("" when it does not exist)."""
    session.flush()
    found = digests(session, kind, key_range=(key, key))
    return found[key][1] if key in found else ""


@cache
def _entries_in():
    return select(col(Entry.id), Entry.hash).where(
        col(Entry.id).in_(bindparam("ids", expanding=True))
    )


#: entry ids asked at once (SQLite binds at most 32,766 parameters to a statement)
_ENTRIES_AT_ONCE = 5_000
#: a group of ids is read as one index range when the range holds at most this many rows per id
_DENSE = 4


def _entry_hashes(session: Session, entry_ids: set[int]) -> dict[int, str]:
    """{entry id: hash} of ``entry_ids``, a group of sorted ids at a time: a dense group (a
    fund's receipts written together) as one index range, a sparse one by its ids. One range
    from the smallest id to the largest read the whole journal for each batch of a full check
    whose funds' entries lay far apart (a nation's, province's and district's, or a commune's
    early and late receipts): 136 batches × 10,000,000 entries at 10,000,000 receipts on
    SQLite, 97 % of a first full check that had not ended after 51 minutes."""
    ids = sorted(entry_ids)
    found: dict[int, str] = {}
    connection = session.connection()
    for start in range(0, len(ids), _ENTRIES_AT_ONCE):
        group = ids[start : start + _ENTRIES_AT_ONCE]
        low, high = group[0], group[-1]
        if len(group) > 500 and high - low < _DENSE * len(group):
            rows: Any = connection.execute(
                select(col(Entry.id), Entry.hash).where(col(Entry.id).between(low, high))
            )
        else:  # by their ids: one statement built once (``_entries_in``)
            rows = connection.execute(_entries_in(), {"ids": group})
        found.update((entry_id, digest) for entry_id, digest in rows if entry_id in entry_ids)
    return found


def _groups(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    rows = session.connection().execute(
        select(BeneficiaryGroup.beneficiary_id, BeneficiaryGroup.group_code)
        .where(col(BeneficiaryGroup.beneficiary_id).in_(ids))
        .order_by(col(BeneficiaryGroup.beneficiary_id), col(BeneficiaryGroup.group_code))
    )
    for child, code in rows:
        found.setdefault(child, []).append(code)
    return found
