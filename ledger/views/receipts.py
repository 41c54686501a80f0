"""Receipts (phiếu thu): record, list, print, void; donor type-ahead."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, scope_ids
from ..db import get_session
from ..errors import LedgerError
from ..exports.vouchers import (
    disbursement_voucher,
    receipt_pdf,
    receipt_voucher,
    voucher_number,
)
from ..filter_forms import ReceiptFilterForm, SearchForm, WordsForm
from ..forms import CorrectForm, ReceiptCorrectionForm, ReceiptForm, VoidForm
from ..forms_receipts import prefill, receipt_input, unsettled_donor
from ..models import Donor, Receipt, Unit, User
from ..services import receipts as service
from ..services.bank_accounts import document_account_choices
from ..services.corrections import reissue_receipt
from ..services.donors import anonymous_donor_ids, hidden_payers, search_donors, shown_payer
from ..services.evidence import file_count
from ..services.journal import ensure_bank_after_reconciliation, ensure_cash_after_count
from ..services.locks import locked_through
from ..services.paging import parse_cursor
from ..services.receipt_entry import words_of
from ..services.settings import voucher_settings
from ..services.units import get_unit, subtree_ids, subtree_scope, unit_rows
from ..services.vouchers import Backdated, backdated
from ..vocab import Method, VoucherKind
from .common import arg_int, get_in_scope, page_unit, read_filters, refused, run_once

bp = Blueprint("receipts", __name__, url_prefix="/receipts")


@bp.route("/")
@login_required
def index():
    """Receipts of a fund (and the units under it) with filters, totals and pages."""
    session, fund = get_session(), page_unit()
    flt = _filter_from_args()
    found = service.list_receipts(
        session,
        unit_ids=subtree_scope(session, fund.id),
        flt=flt,
        page=arg_int("page", 1) or 1,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=True
        ),
        per_page=50,
    )
    rows = found.rows
    units = (
        {u.id: u for u in unit_rows(session, {r.credit_unit_id for r in rows} | {fund.id})}
        if rows
        else {}
    )
    hidden = anonymous_donor_ids(session, {r.donor_id for r in rows})
    payers = {
        r.id: shown_payer(
            r.payer_name,
            anonymous=r.donor_id in hidden,
            fund_id=r.unit_id,
            viewer_unit_id=current_user.unit_id,
        )
        for r in rows
    }
    return render_template(
        "receipts/index.html",
        fund=fund,
        rows=rows,
        payers=payers,
        found=found,
        pager=found.page,
        flt=flt,
        units=units,
        args=request.args,
    )


def _filter_from_args() -> service.ReceiptFilter:
    form = read_filters(ReceiptFilterForm())
    return service.ReceiptFilter(
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        donor=form.donor.data or "",
        method=form.method.data or "",
        source=form.source.data or "",
        amount_min=form.amount_min.data,
        amount_max=form.amount_max.data,
        voided=form.voided.data or "",
        viewer_unit_id=current_user.unit_id,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("write_receipts")
def new():
    """Record a receipt; a resubmitted form returns the receipt it already made. "Ghi và lập
    phiếu tiếp" opens the next empty form keeping the date, book, method, source, credit unit
    and bank account of the one just saved."""
    fund = page_unit()
    form = ReceiptForm()
    form.credit_unit_id.choices = _credit_choices(fund)
    form.bank_account_id.choices = document_account_choices(get_session(), fund.id)
    saved = None
    if request.method == "GET":
        saved = prefill(
            get_session(),
            form,
            fund_id=fund.id,
            user_id=current_user.id,
            saved_id=arg_int("saved"),
        )
    if form.validate_on_submit():
        try:
            _ensure_postable(fund, form)  # a refusal first, never "confirm" and then refuse
        except LedgerError as error:
            return refused(error, form, "receipts/new.html", fund=fund)
        same_name = _unsettled_donor(fund, form)
        if same_name is not None:
            return _form_page(form, fund, same_name=same_name), 400
        warning = _backdated(fund, form.receipt_date.data)
        if warning is not None:
            return _form_page(form, fund, backdated=warning)
        another = request.form.get("another") == "1"
        try:
            url = run_once(form, lambda s: _record(s, fund, form, another=another))
        except LedgerError as error:
            return refused(error, form, "receipts/new.html", fund=fund)
        if not another:  # the next form names the saved receipt itself, with its link
            flash(_("Đã ghi phiếu thu."), "info")
        return redirect(url)
    return _form_page(form, fund, saved=saved)


def _form_page(form: ReceiptForm, fund: Unit, **context):
    """The receipt form, with the amount in words as the voucher will print it."""
    target = next((f for f in form if f.errors and f.type != "HiddenField"), form.amount)
    target.render_kw = {**(target.render_kw or {}), "autofocus": True}  # this form's own copy
    words = None
    if form.amount.data and not form.amount.errors:
        words = words_of(get_session(), form.amount.data, form.receipt_date.data)
    return render_template("receipts/new.html", form=form, fund=fund, words=words, **context)


def _unsettled_donor(fund: Unit, form: ReceiptForm) -> list[Donor] | None:
    choice = request.form.get("donor_choice", "")
    return unsettled_donor(
        get_session(), form, fund_id=fund.id, user_id=current_user.id, choice=choice
    )


def _ensure_postable(fund: Unit, form: ReceiptForm) -> None:
    """The date rules the posting would refuse, checked before asking to confirm a backdated
    number: cash counted through that day, bank reconciled through it."""
    session, on = get_session(), form.receipt_date.data
    if form.method.data == Method.CASH:
        ensure_cash_after_count(session, unit_id=fund.id, on=on)
    if form.method.data == Method.BANK:
        ensure_bank_after_reconciliation(session, unit_id=fund.id, on=on)


def _backdated(fund: Unit, on: date) -> Backdated | None:
    """The warning to confirm when ``on`` goes back against the fund's receipt series, unless
    the user already confirmed that very date (``confirm_backdate``); never a refusal."""
    if request.form.get("confirm_backdate") == on.isoformat():
        return None
    return backdated(get_session(), unit_id=fund.id, kind=VoucherKind.RECEIPT, on=on)


def _credit_choices(fund: Unit) -> list[tuple[int, str]]:
    session = get_session()
    ids = subtree_ids(session, fund.id)  # a commune's: one probe, no tree version
    if ids == {fund.id}:  # a commune credits only itself: nothing more to read
        return [(fund.id, fund.name)]
    return [(u.id, u.name) for u in unit_rows(session, ids)]


def _record(session, fund: Unit, form: ReceiptForm, *, another: bool = False) -> str:
    """Record the receipt; the url of its voucher, or of the next form when ``another``."""
    [receipt_id] = service.record_receipts(  # its id is all the answer needs (no reload)
        session, unit_id=fund.id, items=[_input(session, fund, form)], user_id=current_user.id
    )
    if another:
        return url_for("receipts.new", unit=fund.id, saved=receipt_id)
    return url_for("receipts.show", receipt_id=receipt_id)


def _input(session, fund: Unit, form: ReceiptForm) -> service.ReceiptInput:
    return receipt_input(session, form, fund_id=fund.id, scope=scope_ids())


def _receipt(receipt_id: int) -> Receipt:
    return get_in_scope(Receipt, receipt_id)


@bp.route("/<int:receipt_id>")
@login_required
def show(receipt_id: int):
    """The voucher on screen (print it on A5 with the browser)."""
    receipt = _receipt(receipt_id)
    locked = locked_through(get_session(), receipt.unit_id)
    return render_template(
        "receipts/voucher.html",
        r=receipt,
        **_voucher_context(receipt),
        void_form=VoidForm(),
        correct_form=CorrectForm(corrected_on=date.today()),
        in_locked_period=locked is not None and receipt.receipt_date <= locked,
    )


def _voucher_context(receipt: Receipt) -> dict:
    session = get_session()
    return {
        "fund": session.get(Unit, receipt.unit_id),
        "credit_unit": session.get(Unit, receipt.credit_unit_id),
        "settings": voucher_settings(session, receipt.receipt_date),
        "entered_by": session.get(User, receipt.created_by_id) if receipt.created_by_id else None,
        "voided_by": session.get(User, receipt.voided_by_id) if receipt.voided_by_id else None,
        "payer_hidden": bool(
            hidden_payers(session, [receipt], viewer_unit_id=current_user.unit_id)
        ),
    }


@bp.app_template_global("voucher_of_receipt")
def _voucher_of_receipt(
    receipt: Receipt, fund: Unit, settings: dict, credit_unit=None, payer_hidden: bool = True
):
    """What a receipt's voucher prints (the PDF prints the same description); the payer as
    ``_voucher_context`` says the viewer may read it (hidden unless told)."""
    return receipt_voucher(
        receipt,
        fund=fund,
        settings=settings,
        credit_unit=credit_unit,
        payer_hidden=payer_hidden,
        files=file_count(get_session(), "receipt", receipt.id),
    )


@bp.app_template_global("voucher_of_disbursement")
def _voucher_of_disbursement(item, fund: Unit, settings: dict):
    """What a paid disbursement's Phiếu chi prints (the PDF prints the same description)."""
    return disbursement_voucher(
        item,
        fund=fund,
        settings=settings,
        files=file_count(get_session(), "disbursement", item.id),
    )


@bp.app_template_filter("voucher_no")
def _voucher_no(number: int | None, year: int) -> str:
    """The one way a voucher number is written: ``{{ r.number|voucher_no(r.year) }}`` → 17/2018."""
    return voucher_number(number, year)


@bp.route("/<int:receipt_id>/voucher.pdf")
@login_required
def voucher_pdf(receipt_id: int):
    """The same voucher as an A5 PDF."""
    receipt = _receipt(receipt_id)
    ctx = _voucher_context(receipt)
    data = receipt_pdf(
        receipt,
        fund=ctx["fund"],
        settings=ctx["settings"],
        credit_unit=ctx["credit_unit"],
        payer_hidden=ctx["payer_hidden"],
        files=file_count(get_session(), "receipt", receipt.id),
    )
    return send_file(
        _bytes(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"phieu-thu-{receipt.year}-{receipt.number:04d}.pdf",
    )


def _bytes(data: bytes):
    import io

    return io.BytesIO(data)


@bp.route("/<int:receipt_id>/void", methods=["POST"])
@permission_required("write_receipts")
def void(receipt_id: int):
    """Void with a reason: a reversing entry; the number stays, marked ĐÃ HỦY."""
    receipt = _receipt(receipt_id)
    form = VoidForm()
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do hủy phiếu."), "error")
        return redirect(url_for("receipts.show", receipt_id=receipt.id))
    try:
        url = run_once(form, lambda s: _void(s, receipt, form.reason.data))
    except LedgerError as error:
        return refused(
            error,
            form,
            "receipts/voucher.html",
            r=receipt,
            **_voucher_context(receipt),
            void_form=form,
        )
    flash(
        _("Đã hủy phiếu thu số %(number)s.", number=voucher_number(receipt.number, receipt.year)),
        "info",
    )
    return redirect(url)


def _void(session, receipt: Receipt, reason: str) -> str:
    service.void_receipt(
        session, receipt_id=receipt.id, reason=reason, on=date.today(), user_id=current_user.id
    )
    return url_for("receipts.show", receipt_id=receipt.id)


@bp.route("/<int:receipt_id>/correct", methods=["POST"])
@permission_required("write_receipts")
def correct(receipt_id: int):
    """Correct a receipt of a locked period: a reversing entry dated in the open period."""
    receipt = _receipt(receipt_id)
    form = CorrectForm()
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do và ngày điều chỉnh."), "error")
        return redirect(url_for("receipts.show", receipt_id=receipt.id))
    url = run_once(form, lambda s: _correct(s, receipt, form))
    flash(
        _(
            "Đã ghi bút toán điều chỉnh phiếu thu số %(number)s.",
            number=voucher_number(receipt.number, receipt.year),
        ),
        "info",
    )
    return redirect(url)


def _correct(session, receipt: Receipt, form) -> str:
    service.correct_receipt(
        session,
        receipt_id=receipt.id,
        reason=form.reason.data,
        on=form.corrected_on.data,
        user_id=current_user.id,
    )
    return url_for("receipts.show", receipt_id=receipt.id)


@bp.route("/<int:receipt_id>/reissue", methods=["GET", "POST"])
@permission_required("write_receipts")
def reissue(receipt_id: int):
    """ "Sửa": the old receipt's values to change and a reason; on submit the old one is voided
    ("Sửa: …", its number kept) and the new one recorded with the next number."""
    receipt = _receipt(receipt_id)
    if receipt.voided_at is not None:
        flash(_("Phiếu thu này đã bị hủy; không sửa được."), "error")
        return redirect(url_for("receipts.show", receipt_id=receipt.id))
    fund = get_unit(get_session(), receipt.unit_id)
    form = ReceiptCorrectionForm(obj=None if request.method == "POST" else receipt)
    form.credit_unit_id.choices = _credit_choices(fund)
    if form.validate_on_submit():
        same_name = _unsettled_donor(fund, form)
        if same_name is not None:
            return (
                _form_page(form, fund, correcting=receipt, same_name=same_name),
                400,
            )
        try:
            url = run_once(
                form,
                lambda s: url_for(
                    "receipts.show",
                    receipt_id=reissue_receipt(
                        s,
                        receipt_id=receipt.id,
                        data=_input(s, fund, form),
                        reason=form.correction_reason.data,
                        today=date.today(),
                        user_id=current_user.id,
                    ).id,
                ),
            )
        except LedgerError as error:
            return refused(error, form, "receipts/new.html", fund=fund, correcting=receipt)
        flash(
            _(
                "Đã hủy phiếu thu số %(number)s và ghi phiếu mới.",
                number=voucher_number(receipt.number, receipt.year),
            ),
            "info",
        )
        return redirect(url)
    return _form_page(form, fund, correcting=receipt)


@bp.route("/words")
@login_required
def words():
    """The amount in words as a voucher dated ``?date=`` prints it (the form's preview)."""
    form = read_filters(WordsForm(), tell=False)
    if form.amount.data is None:
        return jsonify({"words": ""})
    return jsonify({"words": words_of(get_session(), form.amount.data, form.on.data)})


@bp.route("/donors")
@login_required
def donors():
    """Type-ahead: donors in scope whose name contains ``q`` (accents optional)."""
    text = read_filters(SearchForm(), tell=False).q.data or ""
    found = [
        d
        for d in search_donors(get_session(), unit_ids=scope_ids(), text=text)
        if not d.anonymous or d.unit_id == current_user.unit_id
    ]
    return jsonify(
        [{"id": d.id, "name": d.name, "address": d.address, "kind": d.kind} for d in found]
    )
