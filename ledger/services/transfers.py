"""Transfers between funds (commune ↔ district) and cash ↔ bank inside one fund.

Sent: the sender posts Dr in_transit / Cr cash|bank. Received: the receiver posts
Dr cash|bank (what arrived) + Dr transfer_difference (any shortfall) / Cr transfer_in (what was
sent), and the sender clears Dr transfer_out / Cr in_transit. Until the receiver confirms, the
money shows in transit. Transfers are neither income nor expense; a shortfall is the
receiver's expense, with its reason. Nobody confirms more than was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from ..bulk import reserve_ids
from ..errors import (
    DateBeforeOriginal,
    DifferenceNeedsReason,
    DifferenceNeedsReviewer,
    InsufficientFunds,
    NotFound,
    ReceivedMoreThanSent,
    SameFundTransfer,
    TransferNotPending,
)
from ..models import Transfer, Unit, table_of
from ..money import parse_amount
from ..text import clean
from ..vocab import Method, TransferStatus, VoucherKind
from .audit import record_event
from .bank_accounts import check_document_account
from .journal import Line, balance, ensure_plausible, lock_fund, post_entry
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .search import transfer_matches
from .settings import int_setting
from .unit_order import official_order
from .units import ensure_valid, get_unit, in_units, is_within
from .vouchers import next_number


def send_transfer(
    session: Session,
    *,
    from_unit_id: int,
    to_unit_id: int,
    amount: int,
    on: date,
    from_method: str = "bank",
    to_method: str = "bank",
    memo: str = "",
    user_id: int | None = None,
    from_bank_account_id: int | None = None,
    to_bank_account_id: int | None = None,
) -> Transfer:
    """Record money leaving ``from_unit_id``; cash ↔ bank in one fund completes at once.
    ``from_bank_account_id`` (and, inside one fund, ``to_bank_account_id``) name the fund's
    bank account on the bank side (None: the primary); the receiver names its own when it
    confirms."""
    amount = parse_amount(amount)
    sender, receiver = get_unit(session, from_unit_id), get_unit(session, to_unit_id)
    ensure_plausible(on)
    ensure_valid(sender, on)
    ensure_valid(receiver, on)
    if from_unit_id == to_unit_id and from_method == to_method:
        raise SameFundTransfer()
    _lock_both(session, from_unit_id, to_unit_id)
    available = balance(session, unit_id=from_unit_id, kinds=(from_method,))
    if amount > available:
        raise InsufficientFunds(balance=available, amount=amount)
    internal = from_unit_id == to_unit_id
    from_account = check_document_account(
        session,
        unit_id=from_unit_id,
        bank_account_id=from_bank_account_id if from_method == "bank" else None,
    )
    to_account = check_document_account(
        session,
        unit_id=to_unit_id,
        bank_account_id=to_bank_account_id if internal and to_method == "bank" else None,
    )
    number = _cash_voucher_number(session, from_unit_id, on, from_method) if internal else None
    [transfer_id] = reserve_ids(session, table_of(Transfer), 1)  # the entry names its document
    lines = (
        [Line(kind=to_method, amount=amount), Line(kind=from_method, amount=-amount)]
        if internal
        else [Line(kind="in_transit", amount=amount), Line(kind=from_method, amount=-amount)]
    )
    entry = post_entry(
        session,
        unit_id=from_unit_id,
        entry_date=on,
        kind="transfer_internal" if internal else "transfer_sent",
        document_id=transfer_id,
        memo=clean(memo, max_length=300) or _default_memo(receiver, from_method, internal),
        user_id=user_id,
        lines=lines,
    )
    transfer = Transfer(
        id=transfer_id,
        from_unit_id=from_unit_id,
        to_unit_id=to_unit_id,
        amount_sent=amount,
        sent_on=on,
        from_method=from_method,
        to_method=to_method,
        from_bank_account_id=from_account,
        to_bank_account_id=to_account,
        sent_entry_id=entry.id,
        memo=clean(memo, max_length=500),
        number=number,
        created_by_id=user_id,
        status="received" if internal else "sent",
        amount_received=amount if internal else None,
        received_on=on if internal else None,
    )
    session.add(transfer)
    session.flush()
    record_event(
        session,
        action="transfer.send",
        user_id=user_id,
        unit_id=from_unit_id,
        object_type="transfer",
        object_id=transfer.id,
        after={"to": to_unit_id, "amount": amount},
    )
    session.flush()
    return transfer


def _cash_voucher_number(session: Session, unit_id: int, on: date, from_method: str) -> int:
    """A cash ↔ bank move's cash voucher takes the next number of its series: cash deposited
    into the bank leaves the till on a phiếu chi, cash drawn from the bank enters it on a
    phiếu thu (the bank's slip is the other half)."""
    kind = VoucherKind.DISBURSEMENT if from_method == Method.CASH else VoucherKind.RECEIPT
    return next_number(session, unit_id=unit_id, year=on.year, kind=kind)


def _default_memo(receiver: Unit, from_method: str, internal: bool) -> str:
    if not internal:
        return f"Chuyển quỹ cho {receiver.name}"
    if from_method == Method.CASH:
        return "Nộp tiền mặt vào tài khoản ngân hàng"
    return "Rút tiền gửi ngân hàng nhập quỹ tiền mặt"


def receive_transfer(
    session: Session,
    *,
    transfer_id: int,
    amount: int,
    on: date,
    reason: str = "",
    user_id: int | None = None,
    role: str | None = None,
    user_unit_id: int | None = None,
    to_bank_account_id: int | None = None,
) -> Transfer:
    """The receiver confirms at most what was sent, on or after the day it was sent; a
    different amount or date needs a reason.

    A shortfall (bank fee, counting error) posts to the receiver's ``transfer_difference``
    account, so transfers received still equal transfers sent; above the
    ``transfer_difference_max`` setting only a reviewer (or admin) above the receiving fund
    may confirm it.
    """
    transfer = get_transfer(session, transfer_id)
    _lock_both(session, transfer.from_unit_id, transfer.to_unit_id)
    session.refresh(transfer)
    if transfer.status != "sent":
        raise TransferNotPending()
    amount, reason = parse_amount(amount), clean(reason, max_length=500)
    sent = transfer.amount_sent
    if amount > sent:
        raise ReceivedMoreThanSent(received=amount, sent=sent)
    if on < transfer.sent_on:
        raise DateBeforeOriginal(
            date=on.strftime("%d/%m/%Y"), original=transfer.sent_on.strftime("%d/%m/%Y")
        )
    if (amount != sent or on != transfer.sent_on) and not reason:
        raise DifferenceNeedsReason()
    limit = int_setting(session, "transfer_difference_max")
    if sent - amount > limit and not _reviewer_above(
        session, transfer.to_unit_id, role, user_unit_id
    ):
        raise DifferenceNeedsReviewer(difference=sent - amount, limit=limit)
    if transfer.to_method == "bank" and to_bank_account_id is not None:
        transfer.to_bank_account_id = check_document_account(
            session, unit_id=transfer.to_unit_id, bank_account_id=to_bank_account_id
        )
    receiver = session.get_one(Unit, transfer.to_unit_id)
    sender = session.get_one(Unit, transfer.from_unit_id)
    lines = [Line(kind=transfer.to_method, amount=amount), Line(kind="transfer_in", amount=-sent)]
    if amount < sent:
        lines.append(Line(kind="transfer_difference", amount=sent - amount))
    received = post_entry(
        session,
        unit_id=transfer.to_unit_id,
        entry_date=on,
        kind="transfer_received",
        document_id=transfer.id,
        user_id=user_id,
        memo=f"Nhận chuyển quỹ từ {sender.name}" + (f": {reason}" if reason else ""),
        lines=lines,
    )
    post_entry(
        session,
        unit_id=transfer.from_unit_id,
        entry_date=on,
        kind="transfer_cleared",
        document_id=transfer.id,
        user_id=user_id,
        memo=f"{receiver.name} đã nhận",
        lines=[Line(kind="transfer_out", amount=sent), Line(kind="in_transit", amount=-sent)],
    )
    transfer.amount_received, transfer.received_on = amount, on
    transfer.received_entry_id, transfer.difference_reason = received.id, reason
    transfer.status, transfer.received_by_id = "received", user_id
    session.flush()
    record_event(
        session,
        action="transfer.receive",
        user_id=user_id,
        unit_id=transfer.to_unit_id,
        object_type="transfer",
        object_id=transfer.id,
        after={"amount": amount, "sent": sent, "reason": reason},
    )
    return transfer


def _reviewer_above(
    session: Session, unit_id: int, role: str | None, user_unit_id: int | None
) -> bool:
    """Whether the user is a reviewer or admin of a unit above ``unit_id``."""
    return (
        role in ("reviewer", "admin")
        and user_unit_id is not None
        and user_unit_id != unit_id
        and is_within(session, unit_id=unit_id, scope_id=user_unit_id)
    )


def _lock_both(session: Session, *unit_ids: int) -> None:
    """Lock funds in id order so two opposite transfers never deadlock."""
    for unit_id in sorted(set(unit_ids)):
        lock_fund(session, unit_id)


def get_transfer(session: Session, transfer_id: int) -> Transfer:
    """The transfer with this id, or NotFound."""
    transfer = session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound()
    return transfer


@dataclass
class TransferList:
    """One page of transfers, the total sent over the whole filtered list (None past
    ``paging.COUNT_LIMIT``) and what is still in transit."""

    page: Page[Transfer]
    total: int | None
    in_transit: int


def list_transfers(
    session: Session,
    *,
    unit_ids: Any,
    status: str = "",
    text: str = "",
    page: int = 1,
    per_page: int = 50,
    cursor: Cursor | None = None,
) -> TransferList:
    """Transfers touching any unit of ``unit_ids`` (ids or a select of them), newest first:
    one page from ``cursor`` or by number, their total and the amount in transit."""

    def scoped(query: Any) -> Any:
        query = query.where(
            in_units(col(Transfer.from_unit_id), unit_ids)
            | in_units(col(Transfer.to_unit_id), unit_ids)
        )
        if text.strip():
            query = query.where(transfer_matches(text))
        return query.where(Transfer.status == status) if status else query

    count = bounded_count(session, scoped(select(col(Transfer.id))))
    total = None
    if count is not None:
        total = int(
            session.exec(scoped(select(func.coalesce(func.sum(Transfer.amount_sent), 0)))).one()
        )
    in_transit = session.exec(
        scoped(select(func.coalesce(func.sum(Transfer.amount_sent), 0))).where(
            Transfer.status == TransferStatus.SENT
        )
    ).one()
    found = numbered_or_keyset(
        session,
        scoped(select(Transfer)),
        order=(col(Transfer.sent_on), col(Transfer.id)),
        key_of=lambda t: (t.sent_on, t.id),
        cursor=cursor,
        page=page,
        per_page=per_page,
        count=count,
    )
    return TransferList(found, total, int(in_transit))


def transfer_targets(session: Session, fund: Unit) -> list[Unit]:
    """Where a fund may send money: its parent, its children, itself (cash ↔ bank); by level
    and name."""
    query = (
        select(Unit)
        .where(
            or_(
                col(Unit.id) == fund.parent_id,
                col(Unit.parent_id) == fund.id,
                col(Unit.id) == fund.id,
            )
        )
        .order_by(*official_order(by_level=True))
    )
    return list(session.exec(query).all())
