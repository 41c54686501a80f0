"""Receipts (phiếu thu): record with a gap-free number, void by reversal, list with totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func
from sqlmodel import Session, col, select

from ..bulk import insert_rows, reserve_ids
from ..errors import (
    AlreadyCorrected,
    AlreadyVoided,
    CorrectionNotNeeded,
    DateBeforeOriginal,
    NotFound,
    QuotaOutsideTree,
)
from ..models import Donor, Entry, Receipt, Unit, receipt_search_text, table_of, utcnow
from ..money import parse_amount
from ..text import clean, required_reason
from .audit import record_event, seal_rows
from .bank_accounts import check_document_account
from .goods import ensure_gift_still_held, in_kind_goods
from .journal import (
    Line,
    NewEntry,
    ensure_plausible,
    ensure_void_allowed,
    lock_fund,
    overdraw_refused,
    post_entries,
    reverse_entry,
)
from .locks import locked_through
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .search import receipt_matches
from .units import ensure_valid, get_unit, in_units, subtree_ids
from .vouchers import next_number

#: which income account a source credits; only mobilised money counts toward quotas
INCOME_BY_SOURCE = {
    "donation": "donations",
    "designated": "donations",
    "budget": "income:budget",
    "interest": "income:interest",
    "other": "income:other",
}
QUOTA_SOURCES = ("donation", "designated")
RECEIPT_TABLE = table_of(Receipt)  # the Core table the bulk writer fills, looked up once


@dataclass
class ReceiptInput:
    """What a treasurer fills in for one receipt (already shape-checked by the form)."""

    receipt_date: date
    amount: int
    method: str = "cash"
    source: str = "donation"
    donor_id: int | None = None
    payer_name: str = ""
    payer_address: str = ""
    credit_unit_id: int | None = None
    in_kind_description: str = ""
    purpose: str = ""
    reason: str = ""
    note: str = ""
    attachments: int = 0
    reference: str = ""
    book_no: str = ""
    import_key: str | None = None
    #: the fund's bank account the money came into (method bank); None: the primary
    bank_account_id: int | None = None
    #: in kind: unit of measure, quantity in thousandths and value of one unit (all or none)
    goods_unit: str = ""
    quantity_milli: int | None = None
    unit_value: int | None = None


def record_receipt(
    session: Session, *, unit_id: int, data: ReceiptInput, user_id: int | None = None
) -> Receipt:
    """Record one receipt in ``unit_id``'s fund (see ``record_receipts``)."""
    [receipt_id] = record_receipts(session, unit_id=unit_id, items=[data], user_id=user_id)
    return session.get_one(Receipt, receipt_id)


def record_receipts(
    session: Session, *, unit_id: int, items: list[ReceiptInput], user_id: int | None = None
) -> list[int]:
    """Record receipts in ``unit_id``'s fund: gap-free numbers, one entry each (Dr cash/bank,
    Cr income), all under one lock and in a few multi-row statements. Returns their ids."""
    if not items:
        return []
    unit = get_unit(session, unit_id)
    in_scope = _credit_scope(session, unit_id, items)
    donors = _donors(session, {d.donor_id for d in items if d.donor_id})
    rows = [_receipt_row(unit, in_scope, donors, data, user_id) for data in items]
    _bank_accounts(session, unit_id, items, rows)
    head = lock_fund(session, unit_id)
    _number(session, unit_id, rows)
    table = RECEIPT_TABLE
    ids = reserve_ids(session, table, len(rows))
    entry_ids = post_entries(
        session,
        unit_id=unit_id,
        user_id=user_id,
        dates_checked=True,  # each row's date was checked against ``unit`` above
        head=head,  # locked above, before numbering
        entries=[
            NewEntry(
                entry_date=r["receipt_date"],
                kind="receipt",
                lines=tuple(receipt_lines(r)),
                document_id=receipt_id,
                memo=r["reason"] or r["payer_name"],
            )
            for r, receipt_id in zip(rows, ids, strict=False)
        ],
    )
    for row, receipt_id, entry_id in zip(rows, ids, entry_ids, strict=False):
        row["id"], row["entry_id"] = receipt_id, entry_id
    insert_rows(session, table, rows)
    seal_rows(
        session, kind="receipt", keys=ids, action="receipt.create", user_id=user_id, unit_id=unit_id
    )
    return ids


def _credit_scope(session: Session, unit_id: int, items: list[ReceiptInput]) -> set[int]:
    """The units a receipt of the fund may credit toward: its subtree, walked only when a row
    names another unit (a commune's own receipts, most of them, skip reading the tree)."""
    if all(d.credit_unit_id in (None, unit_id) for d in items):
        return {unit_id}
    return subtree_ids(session, unit_id)


def _receipt_row(
    unit: Unit, in_scope: set[int], donors: dict, data: ReceiptInput, user_id: int | None
) -> dict:
    """Validate one receipt and shape it as a row (its number comes later, under the lock)."""
    amount = parse_amount(data.amount)
    goods = in_kind_goods(data, amount)
    ensure_plausible(data.receipt_date)
    ensure_valid(unit, data.receipt_date)
    credit_unit_id = data.credit_unit_id or unit.id
    if credit_unit_id not in in_scope:
        raise QuotaOutsideTree(unit=str(credit_unit_id))
    donor = donors.get(data.donor_id)
    row = {
        "unit_id": unit.id,
        "year": data.receipt_date.year,
        "receipt_date": data.receipt_date,
        "book_no": clean(data.book_no, max_length=20),
        "donor_id": data.donor_id,
        "payer_name": clean(data.payer_name, max_length=200) or (donor.name if donor else ""),
        "payer_address": clean(data.payer_address, max_length=300)
        or (donor.address if donor else ""),
        "amount": amount,
        "method": data.method,
        "source": data.source,
        "credit_unit_id": credit_unit_id,
        "in_kind_description": clean(data.in_kind_description, max_length=500),
        **goods,
        "purpose": clean(data.purpose, max_length=300),
        "reason": clean(data.reason, max_length=500),
        "note": clean(data.note, max_length=500),
        "attachments": max(0, int(data.attachments or 0)),
        "reference": clean(data.reference, max_length=60),
        "import_key": data.import_key,
        "created_by_id": user_id,
        "created_at": utcnow(),
        "void_reason": "",
    }
    return {**row, "search_text": receipt_search_text(row)}


def _bank_accounts(session: Session, unit_id: int, items: list[ReceiptInput], rows) -> None:
    """Each bank receipt's account, refused unless an open account of the fund (issue #16)."""
    for data, row in zip(items, rows, strict=True):
        named = data.bank_account_id if data.method == "bank" else None
        row["bank_account_id"] = check_document_account(
            session, unit_id=unit_id, bank_account_id=named
        )


def _donors(session: Session, ids: set[int]) -> dict[int, Donor]:
    if not ids:
        return {}
    return {d.id: d for d in session.exec(_donors_in(), params={"ids": sorted(ids)})}


@cache  # built once: see ``journal._chain_head``
def _donors_in():
    return select(Donor).where(col(Donor.id).in_(bindparam("ids", expanding=True)))


def _number(session: Session, unit_id: int, rows: list[dict]) -> None:
    """Give each row the next voucher number of its year, in the order given."""
    for year in sorted({r["year"] for r in rows}):
        of_year = [r for r in rows if r["year"] == year]
        first = next_number(session, unit_id=unit_id, year=year, kind="receipt", count=len(of_year))
        for offset, row in enumerate(of_year):
            row["number"] = first + offset


def receipt_lines(row: dict) -> list[Line]:
    """Dr the asset the money came into, Cr the income its source names."""
    asset, amount = row["method"], row["amount"]
    income = "income:in_kind" if asset == "in_kind" else INCOME_BY_SOURCE[row["source"]]
    credit = row["credit_unit_id"] if row["source"] in QUOTA_SOURCES else None
    return [
        Line(kind=asset, amount=amount),
        Line(kind=income, amount=-amount, credit_unit_id=credit),
    ]


def void_receipt(
    session: Session,
    *,
    receipt_id: int,
    reason: str,
    on: date | None = None,
    user_id: int | None = None,
) -> Receipt:
    """Void a receipt as of its own date: the reversal is dated the receipt's date, so it no
    longer counts anywhere in its period; the number stays, marked void.

    ``on`` is the day the void is made (today by default); it may not precede the receipt.
    A receipt in a locked period is not voided but corrected (``correct_receipt``), and a
    void that would overdraw the fund is refused (the payout it funded is voided first).
    """
    reason = required_reason(reason)
    receipt = get_receipt(session, receipt_id)
    lock_fund(session, receipt.unit_id)
    session.refresh(receipt)
    if receipt.voided_at is not None:
        raise AlreadyVoided(number=str(receipt.number))
    number, day = str(receipt.number), receipt.receipt_date
    ensure_void_allowed(session, unit_id=receipt.unit_id, number=number, voucher_date=day, on=on)
    if _corrected(session, receipt.entry_id):
        raise AlreadyCorrected(number=number)
    ensure_gift_still_held(session, receipt)
    with overdraw_refused(number):
        entry = reverse_entry(
            session,
            entry_id=receipt.entry_id,
            on=day,
            kind="receipt_void",
            memo=f"Hủy phiếu thu số {receipt.number}: {reason}",
            user_id=user_id,
        )
    receipt.void_entry_id, receipt.void_reason = entry.id, reason
    receipt.voided_by_id, receipt.voided_at = user_id, utcnow()
    record_event(
        session,
        action="receipt.void",
        user_id=user_id,
        unit_id=receipt.unit_id,
        object_type="receipt",
        object_id=receipt.id,
        after={"number": receipt.number, "reason": reason},
    )
    session.flush()
    return receipt


def correct_receipt(
    session: Session, *, receipt_id: int, reason: str, on: date, user_id: int | None = None
) -> Entry:
    """Correct a receipt whose period is locked: a reversing entry dated ``on`` in the open
    period that names the original (``reverses_id``). The original stays in its filed period;
    the receipt is not marked void (it was valid when the period was reported)."""
    reason = required_reason(reason)
    receipt = get_receipt(session, receipt_id)
    lock_fund(session, receipt.unit_id)
    session.refresh(receipt)
    number = str(receipt.number)
    if receipt.voided_at is not None or _corrected(session, receipt.entry_id):
        raise AlreadyCorrected(number=number)
    locked = locked_through(session, receipt.unit_id)
    if locked is None or receipt.receipt_date > locked:
        raise CorrectionNotNeeded(number=number)
    if on < receipt.receipt_date:
        raise DateBeforeOriginal(
            date=on.strftime("%d/%m/%Y"), original=receipt.receipt_date.strftime("%d/%m/%Y")
        )
    with overdraw_refused(number):
        entry = reverse_entry(
            session,
            entry_id=receipt.entry_id,
            on=on,
            kind="receipt_correction",
            user_id=user_id,
            memo=f"Điều chỉnh phiếu thu số {receipt.number} ngày "
            f"{receipt.receipt_date:%d/%m/%Y}: {reason}",
        )
    record_event(
        session,
        action="receipt.correct",
        user_id=user_id,
        unit_id=receipt.unit_id,
        object_type="receipt",
        object_id=receipt.id,
        after={"number": receipt.number, "reason": reason, "entry": entry.id, "on": on.isoformat()},
    )
    return entry


def _corrected(session: Session, entry_id: int) -> bool:
    """Whether an entry already reverses ``entry_id`` (a void or a correction)."""
    return (
        session.exec(select(func.count(col(Entry.id))).where(Entry.reverses_id == entry_id)).one()
        > 0
    )


def get_receipt(session: Session, receipt_id: int) -> Receipt:
    """The receipt with this id, or NotFound."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise NotFound()
    return receipt


@dataclass
class ReceiptFilter:
    """What the receipts list is narrowed to."""

    date_from: date | None = None
    date_to: date | None = None
    donor: str = ""
    method: str = ""
    source: str = ""
    amount_min: int | None = None
    amount_max: int | None = None
    voided: str = ""  # "", "yes", "no"
    #: the viewer's unit: a name search then skips other funds' anonymous donors
    viewer_unit_id: int | None = None


#: a select of receipts or of figures over them (``_filtered`` keeps its type)
_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


def _filtered(query: _Query, *, unit_ids: Any, flt: ReceiptFilter) -> _Query:
    query = query.where(in_units(col(Receipt.unit_id), unit_ids))
    conditions = [
        (flt.date_from, lambda: col(Receipt.receipt_date) >= flt.date_from),
        (flt.date_to, lambda: col(Receipt.receipt_date) <= flt.date_to),
        (
            flt.donor.strip(),
            lambda: receipt_matches(flt.donor, viewer_unit_id=flt.viewer_unit_id),
        ),
        (flt.method, lambda: col(Receipt.method) == flt.method),
        (flt.source, lambda: col(Receipt.source) == flt.source),
        (flt.amount_min, lambda: col(Receipt.amount) >= flt.amount_min),
        (flt.amount_max, lambda: col(Receipt.amount) <= flt.amount_max),
        (flt.voided == "yes", lambda: col(Receipt.voided_at).is_not(None)),
        (flt.voided == "no", lambda: col(Receipt.voided_at).is_(None)),
    ]
    for present, condition in conditions:
        if present:
            query = query.where(condition())
    return query


@dataclass
class ReceiptList:
    """One page of receipts, the keys of the pages around it, how many there are and the
    total of the valid ones (both None past ``paging.COUNT_LIMIT``: narrow the filter)."""

    page: Page[Receipt]
    total: int | None

    @property
    def rows(self) -> list[Receipt]:
        return self.page.rows

    @property
    def count(self) -> int | None:
        return self.page.count


def list_receipts(
    session: Session,
    *,
    unit_ids: Any,
    flt: ReceiptFilter,
    page: int = 1,
    per_page: int = 50,
    cursor: Cursor | None = None,
) -> ReceiptList:
    """One page of receipts (newest first) of ``unit_ids`` (ids, or a select of them), from
    ``cursor`` or else by page number; the count and the total of valid ones when the
    filtered list holds at most ``paging.COUNT_LIMIT`` receipts."""
    query = _filtered(select(Receipt), unit_ids=unit_ids, flt=flt)
    count = bounded_count(session, _filtered(select(col(Receipt.id)), unit_ids=unit_ids, flt=flt))
    total = None
    if count is not None:
        total = int(
            session.exec(
                _filtered(
                    select(
                        func.coalesce(
                            func.sum(Receipt.amount).filter(col(Receipt.voided_at).is_(None)), 0
                        )
                    ),
                    unit_ids=unit_ids,
                    flt=flt,
                )
            ).one()
        )
    order = (col(Receipt.receipt_date), col(Receipt.id))
    return ReceiptList(
        numbered_or_keyset(
            session,
            query,
            order=order,
            key_of=lambda r: (r.receipt_date, r.id),
            cursor=cursor,
            page=page,
            per_page=per_page,
            count=count,
        ),
        total,
    )
