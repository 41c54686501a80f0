"""Goods received in kind, by item: quantities exact in thousandths, value = quantity × unit
value in whole đồng, and the goods book (sổ hàng hiện vật) that reconciles to the fund's
in-kind account.

A goods item is its name and unit of measure (``10 thùng mì`` and ``5 kg gạo`` are two items).
An in-kind receipt names it by its description and ``goods_unit``; a disbursement of goods
(method ``in_kind``) by ``goods_name`` and ``goods_unit``. Receipts recorded before quantities
existed keep only a value: the book shows them as an item without a quantity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import (
    GoodsAlreadyHandedOut,
    GoodsNotOnHand,
    GoodsUnitValueOffBook,
    InKindAmountMismatch,
    InKindDetailsMissing,
    InKindValueNotWhole,
    InKindValueShort,
    Phrase,
    _l,
)
from ..models import Account, Disbursement, Entry, Posting, Receipt, Unit, select_rows
from ..money import MILLI, format_quantity, format_vnd, parse_amount
from ..text import clean
from ..vocab import DisbursementStatus, Method


def goods_value(quantity_milli: int, unit_value: int) -> int:
    """Quantity × unit value in đồng, exactly; refused when it is not whole."""
    value, rest = divmod(quantity_milli * unit_value, MILLI)
    if rest:
        raise InKindValueNotWhole(
            quantity=format_quantity(quantity_milli), unit_value=format_vnd(unit_value)
        )
    return value


def in_kind_goods(data: Any, amount: int) -> dict:
    """An in-kind gift's unit, quantity and unit value as stored: all three or none, and the
    amount exactly quantity × unit value (a money receipt carries none)."""
    given = {
        _l("đơn vị tính"): clean(data.goods_unit, max_length=30),
        _l("số lượng"): data.quantity_milli,
        _l("đơn giá"): data.unit_value,
    }
    if data.method != Method.IN_KIND or not any(given.values()):
        return {"goods_unit": "", "quantity_milli": None, "unit_value": None}
    missing = [name for name, value in given.items() if not value]
    if not clean(data.in_kind_description):
        missing.insert(0, _l("tên hiện vật"))
    if missing:
        raise InKindDetailsMissing(field=Phrase(missing[0]))
    quantity, unit_value = int(data.quantity_milli or 0), parse_amount(data.unit_value)
    value = goods_value(quantity, unit_value)
    if value != amount:
        raise InKindAmountMismatch(value=format_vnd(value), amount=format_vnd(amount))
    return {
        "goods_unit": clean(data.goods_unit, max_length=30),
        "quantity_milli": quantity,
        "unit_value": unit_value,
    }


def handed_goods(data: Any) -> dict:
    """A disbursement of goods as stored (with its ``amount``), or {} for a money payout."""
    if data.method != Method.IN_KIND:
        return {}
    given = {
        _l("tên hiện vật"): clean(data.goods_name, max_length=500),
        _l("đơn vị tính"): clean(data.goods_unit, max_length=30),
        _l("số lượng"): data.quantity_milli,
        _l("đơn giá"): data.unit_value,
    }
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise InKindDetailsMissing(field=Phrase(missing[0]))
    quantity, unit_value = int(data.quantity_milli), parse_amount(data.unit_value)
    return {
        "goods_name": given[_l("tên hiện vật")],
        "goods_unit": given[_l("đơn vị tính")],
        "quantity_milli": quantity,
        "unit_value": unit_value,
        "amount": parse_amount(goods_value(quantity, unit_value)),
    }


def goods_key(name: str, unit: str) -> tuple[str, str]:
    """How two documents name the same goods item (spacing and case aside)."""
    return clean(name).casefold(), clean(unit).casefold()


@dataclass
class GoodsLine:
    """One goods item of a fund's book: received, handed out and on hand."""

    name: str
    unit: str
    received_qty: int | None = 0
    received_value: int = 0
    issued_qty: int = 0
    issued_value: int = 0
    #: approved payouts of this item not yet handed out
    committed_qty: int = 0

    @property
    def on_hand_qty(self) -> int | None:
        if self.received_qty is None:
            return None
        return self.received_qty - self.issued_qty

    @property
    def on_hand_value(self) -> int:
        return self.received_value - self.issued_value


@dataclass
class GoodsBook:
    """A fund's goods book and the in-kind account it must reconcile to."""

    lines: list[GoodsLine]
    account_balance: int
    #: in-kind value moved by entries that are no gift and no payout: a reorganisation's
    #: carry-over (out or in), a locked period's correction of a gift (value only, no items)
    other_value: int = 0

    @property
    def received_value(self) -> int:
        return sum(line.received_value for line in self.lines)

    @property
    def issued_value(self) -> int:
        return sum(line.issued_value for line in self.lines)

    @property
    def on_hand_value(self) -> int:
        return self.received_value - self.issued_value + self.other_value

    @property
    def reconciles(self) -> bool:
        return self.on_hand_value == self.account_balance


def goods_book(session: Session, unit_id: int) -> GoodsBook:
    """Every goods item the fund received (receipts not voided) and handed out (paid
    disbursements of goods), by item, with the in-kind account's balance."""
    lines: dict[tuple[str, str], GoodsLine] = {}
    received = session.exec(
        select_rows(
            Receipt.in_kind_description,
            Receipt.goods_unit,
            col(Receipt.quantity_milli).is_(None),
            func.coalesce(func.sum(Receipt.quantity_milli), 0),
            func.sum(Receipt.amount),
        )
        .where(
            Receipt.unit_id == unit_id,
            Receipt.method == Method.IN_KIND.value,
            col(Receipt.voided_at).is_(None),
        )
        .group_by(
            col(Receipt.in_kind_description),
            col(Receipt.goods_unit),
            col(Receipt.quantity_milli).is_(None),
        )
    ).all()
    for name, unit, legacy, qty, value in received:
        line = _line(lines, name, unit if not legacy else "")
        if legacy:
            line.received_qty = None
        elif line.received_qty is not None:
            line.received_qty += int(qty)
        line.received_value += int(value)
    handed = session.exec(
        select_rows(
            Disbursement.goods_name,
            Disbursement.goods_unit,
            Disbursement.status,
            func.sum(Disbursement.quantity_milli),
            func.sum(Disbursement.amount),
        )
        .where(
            Disbursement.unit_id == unit_id,
            Disbursement.method == Method.IN_KIND.value,
            col(Disbursement.status).in_(
                (DisbursementStatus.PAID.value, DisbursementStatus.APPROVED.value)
            ),
        )
        .group_by(
            col(Disbursement.goods_name), col(Disbursement.goods_unit), col(Disbursement.status)
        )
    ).all()
    for name, unit, status, qty, value in handed:
        line = _line(lines, name, unit)
        if status == DisbursementStatus.PAID:
            line.issued_qty += int(qty)
            line.issued_value += int(value)
        else:
            line.committed_qty += int(qty)
    ordered = sorted(lines.values(), key=lambda ln: goods_key(ln.name, ln.unit))
    return GoodsBook(ordered, in_kind_balance(session, unit_id), _other_moves(session, unit_id))


#: the entries the goods lines stand for (a voided document's entry and its reversal cancel out)
DOCUMENT_KINDS = ("receipt", "receipt_void", "disbursement", "disbursement_void")


def _other_moves(session: Session, unit_id: int) -> int:
    """The in-kind account's postings from entries of no gift or payout (``other_value``)."""
    total = session.exec(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(Account, col(Account.id) == Posting.account_id)
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .where(
            Account.unit_id == unit_id,
            Account.kind == Method.IN_KIND.value,
            col(Entry.kind).not_in(DOCUMENT_KINDS),
        )
    ).one()
    return int(total)


def _line(lines: dict[tuple[str, str], GoodsLine], name: str, unit: str) -> GoodsLine:
    key = goods_key(name, unit)
    if key not in lines:
        lines[key] = GoodsLine(name=clean(name), unit=clean(unit))
    return lines[key]


def in_kind_balance(session: Session, unit_id: int) -> int:
    """The running balance of the fund's in-kind asset account."""
    total = session.exec(
        select(func.coalesce(func.sum(Account.balance), 0)).where(
            Account.unit_id == unit_id, Account.kind == Method.IN_KIND.value
        )
    ).one()
    return int(total)


def ensure_on_hand(session: Session, item: Disbursement, *, approving: bool) -> None:
    """Refuse handing out more of the item than the fund holds, and more value than its
    in-kind account holds; approval also counts what is approved and not yet handed out."""
    book = goods_book(session, item.unit_id)
    fund = session.get_one(Unit, item.unit_id).name
    key = goods_key(item.goods_name, item.goods_unit)
    line = next((ln for ln in book.lines if goods_key(ln.name, ln.unit) == key), None)
    quantity = int(item.quantity_milli or 0)
    on_hand = 0 if line is None or line.on_hand_qty is None else line.on_hand_qty
    held = line.committed_qty if line is not None and approving else 0
    if approving and item.status == DisbursementStatus.APPROVED:
        held -= quantity
    if quantity > on_hand - held:
        raise GoodsNotOnHand(
            fund=fund,
            goods=clean(item.goods_name),
            unit=clean(item.goods_unit),
            on_hand=format_quantity(max(on_hand - held, 0)),
            quantity=format_quantity(quantity),
        )
    if line is not None and line.on_hand_qty is not None:
        _ensure_book_value(item, line.on_hand_qty, line.on_hand_value)
    committed = _committed_value(session, item.unit_id) if approving else 0
    if item.amount > book.account_balance - committed:
        raise InKindValueShort(
            fund=fund,
            balance=format_vnd(max(book.account_balance - committed, 0)),
            amount=format_vnd(item.amount),
        )


def _ensure_book_value(item: Disbursement, on_hand: int, value: int) -> None:
    """Goods leave the book at the book's value, in whole đồng: the unit value is what is on
    hand ÷ how much is on hand when that is exact (between the two whole đồng around it when
    not, never above what is left), and the last of an item takes exactly what it has left."""
    quantity, unit_value = int(item.quantity_milli or 0), int(item.unit_value or 0)
    expected, rest = divmod(value * MILLI, on_hand)
    if quantity == on_hand:
        fits = item.amount == value
    elif rest == 0:
        fits = unit_value == expected
    else:
        fits = unit_value in (expected, expected + 1) and item.amount <= value
    if not fits:
        exact = format_vnd(expected) if rest == 0 else f"≈ {_format_milli_vnd(value, on_hand)}"
        raise GoodsUnitValueOffBook(
            goods=clean(item.goods_name),
            unit=clean(item.goods_unit),
            on_hand=format_quantity(on_hand),
            value=format_vnd(value),
            expected=exact,
            unit_value=format_vnd(unit_value),
        )


def _format_milli_vnd(value: int, on_hand: int) -> str:
    """value ÷ on_hand (thousandths) per unit, to a thousandth of a đồng: ``100.000,5 đ``."""
    return f"{format_quantity(value * MILLI * MILLI // on_hand)} đ"


def ensure_gift_still_held(session: Session, receipt: Receipt) -> None:
    """Voiding an in-kind gift takes its goods off the book: refused when part of them was
    handed out (or approved to be), which would leave the item below zero."""
    if receipt.method != Method.IN_KIND or receipt.quantity_milli is None:
        return
    key = goods_key(receipt.in_kind_description, receipt.goods_unit)
    for line in goods_book(session, receipt.unit_id).lines:
        if goods_key(line.name, line.unit) == key and line.on_hand_qty is not None:
            left = line.on_hand_qty - line.committed_qty
            if left < receipt.quantity_milli:
                raise GoodsAlreadyHandedOut(
                    number=str(receipt.number),
                    goods=line.name,
                    unit=line.unit,
                    left=format_quantity(max(left, 0)),
                )


def _committed_value(session: Session, unit_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(Disbursement.amount), 0)).where(
            Disbursement.unit_id == unit_id,
            Disbursement.method == Method.IN_KIND.value,
            Disbursement.status == DisbursementStatus.APPROVED.value,
        )
    ).one()
    return int(total)


def goods_choices(session: Session, unit_id: int) -> list[GoodsLine]:
    """The goods items the fund still holds (what a disbursement of goods may name)."""
    return [
        line
        for line in goods_book(session, unit_id).lines
        if line.on_hand_qty is not None and line.on_hand_qty > 0
    ]


def book_mismatches(session: Session, funds=None) -> list[tuple[int, int, int]]:
    """Funds whose goods book (on hand value) differs from their in-kind account's balance,
    or holding a negative quantity of an item: (fund, book value, account balance)."""
    candidates: list[tuple[Any, Any]] = [
        (Receipt.unit_id, col(Receipt.method) == Method.IN_KIND.value),
        (Disbursement.unit_id, col(Disbursement.method) == Method.IN_KIND.value),
        (
            Account.unit_id,
            (col(Account.kind) == Method.IN_KIND.value) & (col(Account.balance) != 0),
        ),
    ]
    wanted: set[int] = set()
    for fund, holds_goods in candidates:
        # the batch's funds in SQL: read through the fund index, not every receipt per batch
        # (a full check at 10,000,000 receipts walks 136 batches)
        query = select(fund).where(holds_goods)
        if funds is not None:
            query = query.where(col(fund).in_(list(funds)))
        wanted.update(session.exec(query.distinct()).all())
    out = []
    for unit_id in sorted(wanted):
        book = goods_book(session, unit_id)
        negative = any(line.on_hand_qty is not None and line.on_hand_qty < 0 for line in book.lines)
        if not book.reconciles or negative:
            out.append((unit_id, book.on_hand_value, book.account_balance))
    return out
