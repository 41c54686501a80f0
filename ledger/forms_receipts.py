"""The receipt form's entry helpers: what a new form is prefilled with, and whether the
receipt names its donor (picked, anonymous, or explicitly new and not a duplicate)."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlmodel import Session

from .errors import AnonymousWithPickedDonor
from .forms import ReceiptForm
from .i18n import error_message
from .models import Donor, IdempotencyKey, Receipt
from .services.donors import create_donor
from .services.receipt_entry import last_book_no, same_name_donors
from .services.receipts import ReceiptInput
from .text import parse_digits


def prefill(
    session: Session, form: ReceiptForm, *, fund_id: int, user_id: int, saved_id: int | None
) -> Receipt | None:
    """A new form: today, the fund, and the book number this user used last in it; after
    "Ghi và lập phiếu tiếp" (``saved_id``) the saved receipt's date, book, method, source,
    credit unit and bank account. Returns that saved receipt (None unless of this fund)."""
    saved = session.get(Receipt, saved_id) if saved_id else None
    if saved is None or saved.unit_id != fund_id:
        form.receipt_date.data = date.today()
        form.credit_unit_id.data = fund_id
        form.book_no.data = last_book_no(session, unit_id=fund_id, user_id=user_id)
        return None
    form.receipt_date.data = saved.receipt_date
    form.book_no.data = saved.book_no
    form.method.data = saved.method
    form.source.data = saved.source
    form.credit_unit_id.data = saved.credit_unit_id
    form.bank_account_id.data = saved.bank_account_id
    return saved


def unsettled_donor(
    session: Session, form: ReceiptForm, *, fund_id: int, user_id: int, choice: str
) -> list[Donor] | None:
    """None when the receipt names its donor: one picked from the suggestions (or from those
    offered under the name: ``choice`` is its id), an anonymous gift, or a new donor the user
    asked for whose name no donor of the fund has yet (or, having seen those, ``choice`` is
    "new": a different person). Otherwise the error is set on the name and the fund's donors
    of that name are returned, to be offered instead of a duplicate ("Ẩn danh" ticked beside
    a picked donor is refused on its box: no donor is offered). A resubmission of a form
    already recorded is settled: ``run_once`` answers it with the receipt it made."""
    if _answered(session, form, user_id=user_id):
        return None
    if not form.donor_id.data and parse_digits(choice):
        form.donor_id.data = choice
    if form.donor_id.data and form.anonymous.data:
        # the picked donor's own setting decides: the tick would be silently lost
        form.anonymous.errors = [
            *form.anonymous.errors,
            error_message(AnonymousWithPickedDonor()),
        ]
        return []
    if form.donor_id.data or form.anonymous.data:
        return None
    same = same_name_donors(session, unit_id=fund_id, name=form.payer_name.data)
    if form.new_donor.data and (not same or choice == "new"):
        return None
    message = (
        _("Quỹ đã có nhà hảo tâm tên này: chọn người đó bên dưới, hoặc xác nhận là người khác.")
        if same
        else _(
            "Chọn nhà hảo tâm trong danh sách gợi ý, hoặc đánh dấu “Người nộp mới” để tạo "
            "nhà hảo tâm mới từ tên đã nhập."
        )
    )
    form.payer_name.errors = [*form.payer_name.errors, message]
    return same


def _answered(session: Session, form: ReceiptForm, *, user_id: int) -> bool:
    key = (form.idempotency_key.data or "")[:64]
    done = session.get(IdempotencyKey, key) if key else None
    return done is not None and done.result is not None and done.user_id == user_id


def receipt_input(
    session: Session, form: ReceiptForm, *, fund_id: int, scope: set[int]
) -> ReceiptInput:
    """The receipt the form describes (a new donor is made from the typed fields)."""
    return form_receipt(form, donor_id=_donor_id(session, form, fund_id=fund_id, scope=scope))


def form_receipt(form: ReceiptForm, *, donor_id: int | None) -> ReceiptInput:
    """What a receipt form's fields say, given the donor it settled on (the one mapping from
    the form to ``ReceiptInput``: the new-receipt, pledge and bank-line forms use it)."""
    return ReceiptInput(
        receipt_date=form.receipt_date.data,
        amount=form.amount.data,
        method=form.method.data,
        source=form.source.data,
        donor_id=donor_id,
        payer_name=form.payer_name.data,
        payer_address=form.payer_address.data,
        credit_unit_id=form.credit_unit_id.data,
        in_kind_description=form.in_kind_description.data,
        reason=form.reason.data,
        note=form.note.data,
        attachments=form.attachments.data or 0,
        book_no=form.book_no.data,
        bank_account_id=form.bank_account_id.data,
        goods_unit=form.goods_unit.data if form.quantity_milli else "",
        quantity_milli=form.quantity_milli,
        unit_value=form.unit_value.data if form.quantity_milli else None,
    )


def _donor_id(session: Session, form: ReceiptForm, *, fund_id: int, scope: set[int]) -> int:
    """The picked donor (in ``scope``, else 404), or a new one made from the typed fields;
    "Ẩn danh" ticked beside a picked donor is refused, never ignored."""
    if form.donor_id.data and form.anonymous.data:
        raise AnonymousWithPickedDonor()
    if form.donor_id.data:
        donor = session.get(Donor, parse_digits(form.donor_id.data))
        if donor is None or donor.unit_id not in scope:
            abort(404)
        return donor.id
    donor = create_donor(
        session,
        unit_id=fund_id,
        name=form.payer_name.data,
        kind=form.donor_kind.data,
        address=form.payer_address.data,
        anonymous=form.anonymous.data,
    )
    return donor.id
