"""Corrections: a drafter edits or withdraws a draft; a recorded voucher is corrected by voiding
it and issuing a new one in the same transaction (both numbers stay in the series).

A correction never edits a posted document: the old voucher keeps its number, marked ĐÃ HỦY
with the reason "Sửa: …" (voided as of its own date while that period is open, else today), and
the new one takes the next number.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from ..errors import BeneficiaryOutsideFund, InvalidTransition, NotFound, NotTheDrafter
from ..models import Beneficiary, Category, Disbursement, Receipt, utcnow
from ..text import clean, required_reason
from .audit import record_event
from .bank_accounts import check_document_account
from .disbursements import (
    DisbursementInput,
    _amount,
    draft_disbursement,
    get_disbursement,
    pay_disbursement,
    void_disbursement,
)
from .goods import handed_goods
from .journal import lock_fund
from .locks import locked_through
from .payout_factor import needs_code
from .receipts import ReceiptInput, correct_receipt, get_receipt, record_receipt, void_receipt
from .units import ensure_valid, get_unit, is_within

#: who is paid: above the second-factor limit a new payee needs a new approval (and its code)
_PAYEE_TERMS = ("payee_name", "payee_address")


def _keeps_approval(session: Session, old: Disbursement, new: Disbursement) -> bool:
    """A correction keeps the approval when it changes none of the approved terms; a changed
    payee keeps it only at or below the limit above which paying needs a second factor (a
    misspelt name is corrected at once; money above the limit is never redirected without
    an approver's code)."""
    if any(getattr(new, name) != getattr(old, name) for name in _APPROVED_TERMS):
        return False
    if any(getattr(new, name) != getattr(old, name) for name in _PAYEE_TERMS):
        return not needs_code(session, new.amount)
    return True


#: what approval was given for: a correction that changes none of these keeps the approval
_APPROVED_TERMS = (
    "amount",
    "category_id",
    "method",
    "beneficiary_id",
    "children_count",
    "amount_each",
    "unit_id",
    "goods_name",
    "goods_unit",
    "quantity_milli",
    "unit_value",
)


def _own_draft(
    session: Session, disbursement_id: int, user_id: int, statuses: tuple[str, ...], target: str
) -> Disbursement:
    item = get_disbursement(session, disbursement_id)
    lock_fund(session, item.unit_id)
    session.refresh(item)
    if item.status not in statuses:
        raise InvalidTransition(status=item.status, target=target)
    if item.drafted_by_id != user_id:
        raise NotTheDrafter()
    return item


def edit_draft(
    session: Session, *, disbursement_id: int, data: DisbursementInput, user_id: int
) -> Disbursement:
    """The drafter changes a draft still waiting for approval (same checks as drafting)."""
    item = _own_draft(session, disbursement_id, user_id, ("draft",), "draft")
    ensure_valid(get_unit(session, item.unit_id), data.disbursement_date)
    goods = handed_goods(data)
    amount = goods.pop("amount") if goods else _amount(data)
    if data.beneficiary_id is not None:
        child = session.get(Beneficiary, data.beneficiary_id)
        if child is None or not is_within(session, unit_id=child.unit_id, scope_id=item.unit_id):
            raise BeneficiaryOutsideFund()
    if session.get(Category, data.category_id) is None:
        raise NotFound()
    before = {"amount": item.amount, "method": item.method, "date": str(item.disbursement_date)}
    item.disbursement_date, item.year = data.disbursement_date, data.disbursement_date.year
    item.amount, item.category_id, item.beneficiary_id = (
        amount,
        data.category_id,
        data.beneficiary_id,
    )
    item.children_count = None if goods else data.children_count or None
    item.amount_each = data.amount_each if data.children_count and not goods else None
    item.goods_name = goods.get("goods_name", "")
    item.goods_unit = goods.get("goods_unit", "")
    item.quantity_milli, item.unit_value = goods.get("quantity_milli"), goods.get("unit_value")
    item.payee_name = clean(data.payee_name, max_length=200)
    item.payee_address = clean(data.payee_address, max_length=300)
    item.reason, item.method = clean(data.reason, max_length=500), data.method
    item.bank_account_id = check_document_account(
        session,
        unit_id=item.unit_id,
        bank_account_id=data.bank_account_id if data.method == "bank" else None,
    )
    item.attachments = max(0, int(data.attachments or 0))
    session.flush()
    record_event(
        session,
        action="disbursement.edit",
        user_id=user_id,
        unit_id=item.unit_id,
        object_type="disbursement",
        object_id=item.id,
        before=before,
        after={"amount": amount, "method": item.method, "date": str(item.disbursement_date)},
    )
    return item


def withdraw_draft(
    session: Session, *, disbursement_id: int, user_id: int, reason: str = ""
) -> Disbursement:
    """The drafter takes back a draft (or an approved one not yet paid): it stays in the
    history as withdrawn and no longer holds the fund's money."""
    item = _own_draft(session, disbursement_id, user_id, ("draft", "approved"), "withdrawn")
    before = item.status
    item.status, item.decision_comment = "withdrawn", clean(reason, max_length=500)
    session.flush()
    record_event(
        session,
        action="disbursement.withdraw",
        user_id=user_id,
        unit_id=item.unit_id,
        object_type="disbursement",
        object_id=item.id,
        before={"status": before},
        after={"status": "withdrawn", "reason": item.decision_comment},
    )
    return item


def _void_date(session: Session, unit_id: int, own: date, today: date) -> date:
    """A correction voids as of the voucher's own date while its period is open, else today."""
    through = locked_through(session, unit_id)
    return own if through is None or own > through else today


def reissue_receipt(
    session: Session,
    *,
    receipt_id: int,
    data: ReceiptInput,
    reason: str,
    today: date,
    user_id: int | None = None,
) -> Receipt:
    """ "Sửa" a receipt: void it with "Sửa: <reason>" (or, when its period is locked, post the
    correction that names it on the new receipt's date, in the open period) and record the new
    one from ``data`` in the same fund; returns the new receipt."""
    reason = required_reason(reason, max_length=480)
    old = get_receipt(session, receipt_id)
    through = locked_through(session, old.unit_id)
    if through is not None and old.receipt_date <= through:
        correct_receipt(
            session,
            receipt_id=old.id,
            reason=f"Sửa: {reason}",
            on=data.receipt_date,
            user_id=user_id,
        )
    else:
        void_receipt(session, receipt_id=old.id, reason=f"Sửa: {reason}", on=today, user_id=user_id)
    return record_receipt(session, unit_id=old.unit_id, data=data, user_id=user_id)


def reissue_disbursement(
    session: Session,
    *,
    disbursement_id: int,
    data: DisbursementInput,
    reason: str,
    today: date,
    user_id: int | None = None,
) -> Disbursement:
    """ "Sửa" a paid disbursement: void it with "Sửa: <reason>" and issue the
    new one. When the money terms (amount, category, method, child) are unchanged it keeps the
    approval and is paid at once with the next number; otherwise it waits for approval."""
    reason = required_reason(reason, max_length=480)
    old = get_disbursement(session, disbursement_id)
    if old.status != "paid":
        raise InvalidTransition(status=old.status, target="voided")
    void_disbursement(
        session,
        disbursement_id=old.id,
        reason=f"Sửa: {reason}",
        on=_void_date(session, old.unit_id, old.disbursement_date, today),
        user_id=user_id,
    )
    new = draft_disbursement(session, unit_id=old.unit_id, data=data, user_id=user_id)
    if _keeps_approval(session, old, new):
        new.status, new.decided_by_id, new.decided_at = "approved", old.decided_by_id, utcnow()
        new.decision_comment = f"Giữ phê duyệt của phiếu chi số {old.number} (sửa)"
        session.flush()
        pay_disbursement(
            session, disbursement_id=new.id, on=data.disbursement_date, user_id=user_id
        )
    return new
