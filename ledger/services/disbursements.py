"""Disbursements (phiếu chi): draft → approved → paid, or rejected; a paid one is voided by reversal.

Approval and payment run under the fund's lock, and both check money: approval against the
balance less what is already approved and unpaid, payment against the balance. So concurrent
approvals can never commit more than the fund holds, and a fund never pays into overdraft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, func, literal_column, or_
from sqlmodel import Session, col, select

from ..errors import (
    BeneficiaryOutsideFund,
    InsufficientFunds,
    InvalidTransition,
    NotAllowedToApprove,
    NotFound,
    OutsideCampaign,
)
from ..models import Account, Beneficiary, Category, Disbursement, Unit, utcnow
from ..money import parse_amount
from ..text import clean, required_reason
from ..vocab import DisbursementStatus, Method
from .audit import record_event
from .bank_accounts import check_document_account
from .campaigns import covering_campaign
from .goods import ensure_on_hand, handed_goods
from .journal import (
    Line,
    ensure_plausible,
    ensure_void_allowed,
    lock_fund,
    post_entry,
    reverse_entry,
)
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .search import disbursement_matches
from .units import Scope, ensure_valid, get_unit, in_units, is_within
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
    #: the fund's bank account the payout leaves from (method bank); None: the primary
    bank_account_id: int | None = None
    #: in kind: the goods handed out (an item of the goods book), quantity in thousandths
    #: and the value of one unit; the amount is quantity × unit value
    goods_name: str = ""
    goods_unit: str = ""
    quantity_milli: int | None = None
    unit_value: int | None = None


def draft_disbursement(
    session: Session, *, unit_id: int, data: DisbursementInput, user_id: int | None = None
) -> Disbursement:
    """Create a draft in ``unit_id``'s fund; no money moves until it is approved and paid."""
    ensure_plausible(data.disbursement_date)
    ensure_valid(get_unit(session, unit_id), data.disbursement_date)
    goods = handed_goods(data)
    amount = goods.pop("amount") if goods else _amount(data)
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
        children_count=None if goods else data.children_count,
        amount_each=data.amount_each if data.children_count and not goods else None,
        payee_name=clean(data.payee_name, max_length=200),
        payee_address=clean(data.payee_address, max_length=300),
        reason=clean(data.reason, max_length=500),
        method=data.method,
        bank_account_id=check_document_account(
            session,
            unit_id=unit_id,
            bank_account_id=data.bank_account_id if data.method == "bank" else None,
        ),
        attachments=max(0, int(data.attachments or 0)),
        book_no=clean(data.book_no, max_length=20),
        drafted_by_id=user_id,
        **goods,
    )
    if goods:  # goods the fund does not hold are refused while drafting, not at approval
        ensure_on_hand(session, item, approving=True)
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
    if item.method == Method.IN_KIND:
        ensure_on_hand(session, item, approving=True)
    else:
        account = fund_position(session, item.unit_id).account(item.method)
        if item.amount > account.available:
            raise _short(session, item, account, committed=account.committed)
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
    if item.method == Method.IN_KIND:
        ensure_on_hand(session, item, approving=False)
    else:
        account = fund_position(session, item.unit_id).account(item.method)
        if item.amount > account.balance:
            raise _short(session, item, account, committed=0)
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


@dataclass(frozen=True)
class AccountPosition:
    """One of a fund's money accounts now: its running balance (``check`` proves it equals the
    sum of its postings) and the payouts approved from it but not yet paid."""

    method: str
    balance: int
    committed: int = 0
    committed_count: int = 0

    @property
    def available(self) -> int:
        """What a new approval may still take from this account."""
        return self.balance - self.committed


@dataclass(frozen=True)
class FundPosition:
    """A fund's cash and bank accounts as an approver weighs a payout."""

    cash: AccountPosition
    bank: AccountPosition

    def account(self, method: str) -> AccountPosition:
        return self.bank if method == Method.BANK else self.cash

    def other(self, method: str) -> AccountPosition:
        return self.cash if method == Method.BANK else self.bank

    def can_pay(self, method: str, amount: int, *, approved: bool = False) -> bool:
        """Whether ``method``'s account covers ``amount``: as approval weighs a draft (less
        what is approved and unpaid), or as payment weighs an approved payout (its balance)."""
        account = self.account(method)
        return amount <= (account.balance if approved else account.available)

    @property
    def committed(self) -> int:
        return self.cash.committed + self.bank.committed

    @property
    def committed_count(self) -> int:
        return self.cash.committed_count + self.bank.committed_count


def fund_position(session: Session, unit_id: int) -> FundPosition:
    """The fund's cash and bank balances and what is approved from each but unpaid."""
    balances = dict(
        session.exec(
            select(Account.kind, Account.balance).where(
                Account.unit_id == unit_id, col(Account.kind).in_(("cash", "bank"))
            )
        ).all()
    )
    held = {
        method: (int(total), int(count))
        for method, total, count in session.exec(
            select(
                Disbursement.method,
                func.coalesce(func.sum(Disbursement.amount), 0),
                func.count(col(Disbursement.id)),
            )
            .where(
                Disbursement.unit_id == unit_id,
                Disbursement.status == DisbursementStatus.APPROVED.value,
            )
            .group_by(Disbursement.method)
        ).all()
    }
    cash, bank = (
        AccountPosition(m, int(balances.get(m, 0)), *held.get(m, (0, 0)))
        for m in (Method.CASH.value, Method.BANK.value)
    )
    return FundPosition(cash=cash, bank=bank)


def _short(
    session: Session, item: Disbursement, account: AccountPosition, *, committed: int
) -> InsufficientFunds:
    """The refusal naming the account that is short and what the other one can still pay."""
    other = fund_position(session, item.unit_id).other(item.method)
    return InsufficientFunds(
        account=item.method,
        fund=session.get_one(Unit, item.unit_id).name,
        held=account.balance,
        committed=committed,
        balance=max(account.balance - committed, 0),
        amount=item.amount,
        other=max(other.available, 0),
    )


@dataclass
class DisbursementFilter:
    """What the disbursements list is narrowed to."""

    status: str = ""
    category_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    #: payee, reason or voucher number, accents optional (services.search)
    text: str = ""


def _filtered(query: Any, *, unit_ids: Any, flt: DisbursementFilter) -> Any:
    query = query.where(in_units(col(Disbursement.unit_id), unit_ids))
    for present, condition in [
        (flt.status, lambda: col(Disbursement.status) == flt.status),
        (flt.category_id, lambda: col(Disbursement.category_id) == flt.category_id),
        (flt.date_from, lambda: col(Disbursement.disbursement_date) >= flt.date_from),
        (flt.date_to, lambda: col(Disbursement.disbursement_date) <= flt.date_to),
        (flt.amount_min, lambda: col(Disbursement.amount) >= flt.amount_min),
        (flt.amount_max, lambda: col(Disbursement.amount) <= flt.amount_max),
        (flt.text.strip(), lambda: disbursement_matches(flt.text)),
    ]:
        if present:
            query = query.where(condition())
    return query


#: "status = 'draft'" written out, so both databases match it to the drafts' partial index
DRAFT: ColumnElement[str] = literal_column(f"'{DisbursementStatus.DRAFT.value}'")


@dataclass(frozen=True)
class Approver:
    """Who is deciding, as ``may_approve`` weighs them."""

    user_id: int
    role: str
    unit_id: int
    same_level_max: int


def _approvable(query: Any, *, unit_ids: Any, approver: Approver) -> Any:
    """``may_approve`` in SQL: drafts in the approver's scope (``unit_ids``) they did not draft,
    of a unit below theirs, or of their own unit within the same-level amount."""
    if approver.role not in ("reviewer", "admin"):
        return query.where(false())
    return query.where(
        in_units(col(Disbursement.unit_id), unit_ids),
        col(Disbursement.status) == DRAFT,  # a literal: the partial index of drafts serves it
        or_(
            col(Disbursement.drafted_by_id).is_(None),
            col(Disbursement.drafted_by_id) != approver.user_id,
        ),
        or_(
            col(Disbursement.unit_id) != approver.unit_id,
            col(Disbursement.amount) <= approver.same_level_max,
        ),
    )


def count_awaiting(session: Session, *, unit_ids: Any, approver: Approver) -> int:
    """How many drafts this approver may approve now (the menu's "Chờ duyệt (3)", on every
    page). The drafts of the whole ledger are few (a partial index holds them): their funds
    are read without naming the approver's in the statement and counted here (naming a
    province's 750 funds cost 5 ms of every page of its reviewers)."""
    if isinstance(unit_ids, Scope) and unit_ids.listed:
        everywhere = Scope(unit_ids.root_id, outside=frozenset())
        query = _approvable(
            select(col(Disbursement.unit_id)), unit_ids=everywhere, approver=approver
        )
        return sum(1 for unit in session.exec(query) if unit_ids.holds(unit))
    query = _approvable(
        select(func.count(col(Disbursement.id))), unit_ids=unit_ids, approver=approver
    )
    return int(session.exec(query).one())


def awaiting_units(session: Session, *, unit_ids: Any, approver: Approver) -> list[int]:
    """The units whose drafts wait for this approver (the queue's unit filter offers these)."""
    query = _approvable(select(Disbursement.unit_id), unit_ids=unit_ids, approver=approver)
    return list(session.exec(query.distinct()).all())


@dataclass
class ApprovalQueue:
    """The drafts an approver may approve, with their category, oldest first; their count
    and sum over the whole filtered queue (the rows stop at ``limit``)."""

    rows: list[tuple[Disbursement, Category]]
    count: int
    total: int


def approval_queue(
    session: Session,
    *,
    unit_ids: Any,
    approver: Approver,
    flt: DisbursementFilter,
    limit: int = 200,
) -> ApprovalQueue:
    """The approver's queue narrowed by ``flt`` (its status is ignored: drafts only)."""
    flt = DisbursementFilter(**{**flt.__dict__, "status": ""})

    def narrowed(query: Any) -> Any:
        return _approvable(
            _filtered(query, unit_ids=unit_ids, flt=flt), unit_ids=unit_ids, approver=approver
        )

    count, total = session.exec(
        narrowed(
            select(
                func.count(col(Disbursement.id)), func.coalesce(func.sum(Disbursement.amount), 0)
            )
        )
    ).one()
    rows = session.exec(
        narrowed(
            select(Disbursement, Category).join(
                Category, col(Category.id) == Disbursement.category_id
            )
        )
        .order_by(col(Disbursement.disbursement_date), col(Disbursement.id))
        .limit(limit)
    ).all()
    return ApprovalQueue([(d, c) for d, c in rows], int(count), int(total))


@dataclass(frozen=True)
class StatusTotals:
    """Sums over a filtered list, each of one stage: waiting for approval, approved but not
    paid, paid (voided, rejected and withdrawn payouts count in none)."""

    draft: int = 0
    approved: int = 0
    paid: int = 0


def _status_totals(session: Session, *, unit_ids: Any, flt: DisbursementFilter) -> StatusTotals:
    def of(status: DisbursementStatus) -> Any:
        return func.coalesce(
            func.sum(Disbursement.amount).filter(col(Disbursement.status) == status.value), 0
        )

    draft, approved, paid = session.exec(
        _filtered(
            select(
                of(DisbursementStatus.DRAFT),
                of(DisbursementStatus.APPROVED),
                of(DisbursementStatus.PAID),
            ),
            unit_ids=unit_ids,
            flt=flt,
        )
    ).one()
    return StatusTotals(int(draft), int(approved), int(paid))


@dataclass
class DisbursementList:
    """One page of disbursements with their category, and the sums by stage over the
    whole filtered list (None past ``paging.COUNT_LIMIT`` rows: narrow the filter)."""

    page: Page[Any]
    totals: StatusTotals | None


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
    from ``cursor`` or by number; the sums by stage while the list is countable."""
    count = bounded_count(
        session, _filtered(select(col(Disbursement.id)), unit_ids=unit_ids, flt=flt)
    )
    totals = None if count is None else _status_totals(session, unit_ids=unit_ids, flt=flt)
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
    return DisbursementList(found, totals)
