"""Disbursements (phiếu chi): draft → approved → paid, or rejected; a paid one is voided by reversal.

Approval and payment run under the fund's lock, and both check money: approval against the
balance less what is already approved and unpaid, payment against the balance. So concurrent
approvals can never commit more than the fund holds, and a fund never pays into overdraft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import (
    BeneficiaryOutsideFund,
    InsufficientFunds,
    InvalidTransition,
    NotAllowedToApprove,
    NotFound,
    OutsideCampaign,
)
from ..models import Beneficiary, Category, Disbursement, utcnow
from ..money import parse_amount
from ..text import clean, required_reason
from .audit import record_event
from .campaigns import covering_campaign
from .journal import (
    Line,
    balance,
    ensure_plausible,
    ensure_void_allowed,
    lock_fund,
    post_entry,
    reverse_entry,
)
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .units import ensure_valid, get_unit, in_units, is_within
from .vouchers import next_number


@dataclass
class DisbursementInput:
    """A payout as drafted: one child, or a group gift of ``children_count`` × ``amount_each``."""

    disbursement_date: date
    category_id: int
    payee_name: str
    amount: int | None = None
    children_count: int | None = None
    amount_each: int | None = None
    beneficiary_id: int | None = None
    payee_address: str = ""
    reason: str = ""
    method: str = "cash"
    attachments: int = 0
    book_no: str = ""


def draft_disbursement(
    session: Session, *, unit_id: int, data: DisbursementInput, user_id: int | None = None
) -> Disbursement:
    """Create a draft in ``unit_id``'s fund; no money moves until it is approved and paid."""
    ensure_plausible(data.disbursement_date)
    ensure_valid(get_unit(session, unit_id), data.disbursement_date)
    amount = _amount(data)
    if data.beneficiary_id is not None:
        child = session.get(Beneficiary, data.beneficiary_id)
        if child is None or not is_within(session, unit_id=child.unit_id, scope_id=unit_id):
            raise BeneficiaryOutsideFund()
    if session.get(Category, data.category_id) is None:
        raise NotFound()
    item = Disbursement(
        unit_id=unit_id,
        year=data.disbursement_date.year,
        amount=amount,
        disbursement_date=data.disbursement_date,
        category_id=data.category_id,
        beneficiary_id=data.beneficiary_id,
        children_count=data.children_count,
        amount_each=data.amount_each if data.children_count else None,
        payee_name=clean(data.payee_name, max_length=200),
        payee_address=clean(data.payee_address, max_length=300),
        reason=clean(data.reason, max_length=500),
        method=data.method,
        attachments=max(0, int(data.attachments or 0)),
        book_no=clean(data.book_no, max_length=20),
        drafted_by_id=user_id,
    )
    session.add(item)
    session.flush()
    record_event(
        session,
        action="disbursement.draft",
        user_id=user_id,
        unit_id=unit_id,
        object_type="disbursement",
        object_id=item.id,
        after={"amount": amount},
    )
    return item


def _amount(data: DisbursementInput) -> int:
    if data.children_count:
        return parse_amount(int(data.children_count) * parse_amount(data.amount_each))
    return parse_amount(data.amount)


def get_disbursement(session: Session, disbursement_id: int) -> Disbursement:
    """The disbursement with this id, or NotFound."""
    item = session.get(Disbursement, disbursement_id)
    if item is None:
        raise NotFound()
    return item


def may_approve(
    session: Session,
    *,
    item: Disbursement,
    user_id: int,
    role: str,
    user_unit_id: int,
    same_level_max: int,
) -> bool:
    """A reviewer (or admin) above the fund, or of the same unit within the configured amount;
    never the person who drafted it."""
    if role not in ("reviewer", "admin") or user_id == item.drafted_by_id:
        return False
    if not is_within(session, unit_id=item.unit_id, scope_id=user_unit_id):
        return False
    return user_unit_id != item.unit_id or item.amount <= same_level_max


def approve_disbursement(
    session: Session,
    *,
    disbursement_id: int,
    user_id: int,
    role: str,
    user_unit_id: int,
    same_level_max: int = 0,
    comment: str = "",
) -> Disbursement:
    """Approve a draft if the fund can cover it on top of what is already approved."""
    item = _locked(session, disbursement_id)
    _require_status(item, "draft", "approved")
    if not may_approve(
        session,
        item=item,
        user_id=user_id,
        role=role,
        user_unit_id=user_unit_id,
        same_level_max=same_level_max,
    ):
        raise NotAllowedToApprove()
    available = balance(session, unit_id=item.unit_id, kinds=(item.method,)) - _committed(
        session, item.unit_id, item.method
    )
    if item.amount > available:
        raise InsufficientFunds(balance=max(available, 0), amount=item.amount)
    return _decide(session, item, "approved", user_id, comment)


def reject_disbursement(
    session: Session,
    *,
    disbursement_id: int,
    user_id: int,
    role: str,
    user_unit_id: int,
    comment: str,
    same_level_max: int = 0,
) -> Disbursement:
    """Reject a draft with a comment saying why."""
    required_reason(comment)
    item = _locked(session, disbursement_id)
    _require_status(item, "draft", "rejected")
    if not may_approve(
        session,
        item=item,
        user_id=user_id,
        role=role,
        user_unit_id=user_unit_id,
        same_level_max=same_level_max,
    ):
        raise NotAllowedToApprove()
    return _decide(session, item, "rejected", user_id, comment)


def pay_disbursement(
    session: Session, *, disbursement_id: int, on: date, user_id: int | None = None
) -> Disbursement:
    """Pay an approved disbursement: number it, post Dr expense / Cr cash or bank.

    The payment date must be plausible, inside the fund's validity and open period (checked
    where the entry posts), inside the campaign the draft was dated in, and leave no day of
    the cash (bank) book below zero.
    """
    item = _locked(session, disbursement_id)
    _require_status(item, "approved", "paid")
    ensure_plausible(on)
    ensure_valid(get_unit(session, item.unit_id), on)
    ensure_in_campaign(session, unit_id=item.unit_id, drafted=item.disbursement_date, on=on)
    available = balance(session, unit_id=item.unit_id, kinds=(item.method,))
    if item.amount > available:
        raise InsufficientFunds(balance=available, amount=item.amount)
    category = session.get_one(Category, item.category_id)
    entry = post_entry(
        session,
        unit_id=item.unit_id,
        entry_date=on,
        kind="disbursement",
        document_id=item.id,
        memo=item.reason or item.payee_name,
        user_id=user_id,
        lines=[
            Line(kind=f"expense:{category.code}", amount=item.amount),
            Line(kind=item.method, amount=-item.amount),
        ],
    )
    item.disbursement_date, item.year = on, on.year
    item.number = next_number(session, unit_id=item.unit_id, year=on.year, kind="disbursement")
    item.entry_id, item.status = entry.id, "paid"
    session.flush()
    record_event(
        session,
        action="disbursement.pay",
        user_id=user_id,
        unit_id=item.unit_id,
        object_type="disbursement",
        object_id=item.id,
        after={"number": item.number, "amount": item.amount},
    )
    return item


def ensure_in_campaign(session: Session, *, unit_id: int, drafted: date, on: date) -> None:
    """A payout drafted inside a campaign (of the fund's unit or one above) is paid inside it."""
    campaign = covering_campaign(session, unit_id=unit_id, on=drafted)
    if campaign is not None and not campaign.starts_on <= on <= campaign.ends_on:
        raise OutsideCampaign(
            date=on.strftime("%d/%m/%Y"),
            campaign=campaign.name,
            start=campaign.starts_on.strftime("%d/%m/%Y"),
            end=campaign.ends_on.strftime("%d/%m/%Y"),
        )


def void_disbursement(
    session: Session,
    *,
    disbursement_id: int,
    reason: str,
    on: date | None = None,
    user_id: int | None = None,
) -> Disbursement:
    """Void a paid disbursement as of its own date (the reversal is dated the payment's date);
    its number stays in the series. ``on`` is the day the void is made (today by default).
    A payout in a locked period is refused: the correction is a new entry in the open period."""
    reason = required_reason(reason)
    item = _locked(session, disbursement_id)
    _require_status(item, "paid", "voided")
    ensure_void_allowed(
        session,
        unit_id=item.unit_id,
        number=str(item.number),
        voucher_date=item.disbursement_date,
        on=on,
    )
    assert item.entry_id is not None  # a paid disbursement has its entry (CHECK)
    entry = reverse_entry(
        session,
        entry_id=item.entry_id,
        on=item.disbursement_date,
        kind="disbursement_void",
        memo=f"Hủy phiếu chi số {item.number}: {reason}",
        user_id=user_id,
    )
    item.void_entry_id, item.void_reason, item.status = entry.id, reason, "voided"
    session.flush()
    record_event(
        session,
        action="disbursement.void",
        user_id=user_id,
        unit_id=item.unit_id,
        object_type="disbursement",
        object_id=item.id,
        after={"reason": reason},
    )
    return item


def _locked(session: Session, disbursement_id: int) -> Disbursement:
    item = get_disbursement(session, disbursement_id)
    lock_fund(session, item.unit_id)
    session.refresh(item)
    return item


def _require_status(item: Disbursement, expected: str, target: str) -> None:
    if item.status != expected:
        raise InvalidTransition(status=item.status, target=target)


def _decide(session, item: Disbursement, status: str, user_id: int, comment: str):
    item.status, item.decided_by_id, item.decided_at = status, user_id, utcnow()
    item.decision_comment = clean(comment, max_length=500)
    session.flush()
    record_event(
        session,
        action=f"disbursement.{status}",
        user_id=user_id,
        unit_id=item.unit_id,
        object_type="disbursement",
        object_id=item.id,
        after={"status": status, "comment": item.decision_comment},
    )
    return item


def _committed(session: Session, unit_id: int, method: str) -> int:
    """Approved but not yet paid, from this fund's ``method`` account."""
    return int(
        session.exec(
            select(func.coalesce(func.sum(Disbursement.amount), 0)).where(
                Disbursement.unit_id == unit_id,
                Disbursement.method == method,
                Disbursement.status == "approved",
            )
        ).one()
    )


@dataclass
class DisbursementFilter:
    """What the disbursements list is narrowed to."""

    status: str = ""
    category_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _filtered(query: Any, *, unit_ids: Any, flt: DisbursementFilter) -> Any:
    query = query.where(in_units(col(Disbursement.unit_id), unit_ids))
    for present, condition in [
        (flt.status, lambda: col(Disbursement.status) == flt.status),
        (flt.category_id, lambda: col(Disbursement.category_id) == flt.category_id),
        (flt.date_from, lambda: col(Disbursement.disbursement_date) >= flt.date_from),
        (flt.date_to, lambda: col(Disbursement.disbursement_date) <= flt.date_to),
    ]:
        if present:
            query = query.where(condition())
    return query


def list_disbursements(
    session: Session, *, unit_ids: Any, flt: DisbursementFilter, limit: int = 200
) -> tuple[list[tuple[Disbursement, Category]], int]:
    """Disbursements in scope with their category, newest first, and the total of paid ones
    among them (the approval queue: drafts)."""
    query = select(Disbursement, Category).join(
        Category, col(Category.id) == Disbursement.category_id
    )
    rows = session.exec(
        _filtered(query, unit_ids=unit_ids, flt=flt)
        .order_by(col(Disbursement.disbursement_date).desc(), col(Disbursement.id).desc())
        .limit(limit)
    ).all()
    total = sum(d.amount for d, _ in rows if d.status == "paid")
    return [(d, c) for d, c in rows], total


@dataclass
class DisbursementList:
    """One page of disbursements with their category, and the total paid over the whole
    filtered list (None past ``paging.COUNT_LIMIT`` rows: narrow the filter)."""

    page: Page[Any]
    total: int | None


def disbursements_page(
    session: Session,
    *,
    unit_ids: Any,
    flt: DisbursementFilter,
    page: int = 1,
    per_page: int = 50,
    cursor: Cursor | None = None,
) -> DisbursementList:
    """One page of the disbursements of ``unit_ids`` (ids or a select of them), newest first,
    from ``cursor`` or by number; the count and the total paid while the list is countable."""
    count = bounded_count(
        session, _filtered(select(col(Disbursement.id)), unit_ids=unit_ids, flt=flt)
    )
    total = None
    if count is not None:
        paid = func.coalesce(
            func.sum(Disbursement.amount).filter(col(Disbursement.status) == "paid"), 0
        )
        total = int(session.exec(_filtered(select(paid), unit_ids=unit_ids, flt=flt)).one())
    query = _filtered(
        select(Disbursement, Category).join(Category, col(Category.id) == Disbursement.category_id),
        unit_ids=unit_ids,
        flt=flt,
    )
    found = numbered_or_keyset(
        session,
        query,
        order=(col(Disbursement.disbursement_date), col(Disbursement.id)),
        key_of=lambda row: (row[0].disbursement_date, row[0].id),
        cursor=cursor,
        page=page,
        per_page=per_page,
        count=count,
    )
    return DisbursementList(found, total)
