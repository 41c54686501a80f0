"""Disbursements (phiếu chi): draft, approval queue, approve or reject, pay, print, void."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from ..auth import permission_required, require_scope, scope_members
from ..db import get_session
from ..errors import LedgerError
from ..factor_web import count_if_wrong
from ..filter_forms import DisbursementFilterForm
from ..forms import DecisionForm, DisbursementCorrectionForm, DisbursementForm, PayForm, VoidForm
from ..forms_goods import ITEM_SEPARATOR, goods_item
from ..i18n import category_label
from ..models import Beneficiary, Category, Disbursement, Unit, User, utcnow
from ..money import format_quantity
from ..services import corrections
from ..services import disbursements as service
from ..services.bank_accounts import document_account_choices
from ..services.beneficiaries import fund_children, mask_name
from ..services.categories import list_categories
from ..services.goods import goods_choices
from ..services.paging import parse_cursor
from ..services.payout_factor import ensure_payout_factor, needs_code
from ..services.second_factor import confirmed_factor
from ..services.settings import int_setting, voucher_settings
from ..services.units import get_unit, subtree_scope, unit_names, units_among
from ..services.vouchers import Backdated, backdated
from ..vocab import PAY_METHODS, DisbursementStatus, Method, VoucherKind
from .common import arg_int, full_view, get_in_scope, read_filters, refused, run_once

bp = Blueprint("disbursements", __name__, url_prefix="/disbursements")


@bp.route("/")
@login_required
def index():
    """Disbursements in scope with filters and the sums by stage."""
    session = get_session()
    form = read_filters(DisbursementFilterForm())
    unit_id = form.unit.data or current_user.unit_id
    require_scope(unit_id)
    found = service.disbursements_page(
        session,
        unit_ids=subtree_scope(session, unit_id),
        flt=_filter(form),
        page=arg_int("page", 1) or 1,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=True
        ),
    )
    return render_template(
        "disbursements/index.html",
        rows=found.page.rows,
        totals=found.totals,
        units=_unit_names(found.page.rows),
        pager=found.page,
        args=request.args,
        categories=_categories(),
        title=_("Phiếu chi"),
    )


def _filter(form: DisbursementFilterForm) -> service.DisbursementFilter:
    return service.DisbursementFilter(
        status=form.status.data or "",
        category_id=form.category.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        amount_min=form.amount_min.data,
        amount_max=form.amount_max.data,
        text=form.q.data or "",
    )


def _unit_names(rows) -> dict[int, str]:
    return unit_names(get_session(), {d.unit_id for d, _c in rows}) if rows else {}


def _approver() -> service.Approver:
    return service.Approver(
        user_id=current_user.id,
        role=current_user.role,
        unit_id=current_user.unit_id,
        same_level_max=int_setting(get_session(), "approval_same_level_max"),
    )


@bp.route("/queue")
@permission_required("approve")
def queue():
    """Drafts this reviewer may approve, oldest first, narrowed by unit, category, amount."""
    session = get_session()
    form = read_filters(DisbursementFilterForm())
    scope = scope_members()
    if form.unit.data:
        require_scope(form.unit.data)
        scope = subtree_scope(session, form.unit.data)
    found = service.approval_queue(session, unit_ids=scope, approver=_approver(), flt=_filter(form))
    waiting = service.awaiting_units(session, unit_ids=scope_members(), approver=_approver())
    return render_template(
        "disbursements/queue.html",
        rows=found.rows,
        found=found,
        units=_unit_names(found.rows),
        unit_choices=units_among(session, waiting, order="official") if waiting else [],
        args=request.args,
        categories=_categories(),
        title=_("Chờ duyệt"),
    )


@bp.app_context_processor
def _menu() -> dict:
    """The menu's "Chờ duyệt (3)" (counted only when a page's menu asks for it), and the
    fund's position for the drafting form."""
    return {"approvals_waiting": _approvals_waiting, "fund_position": _fund_position}


def _fund_position(unit_id: int) -> service.FundPosition:
    """The fund's cash and bank now (the drafting form shows what each can still pay)."""
    return service.fund_position(get_session(), unit_id)


def _approvals_waiting() -> int:
    if not current_user.is_authenticated or not current_user.can("approve"):
        return 0
    try:
        return service.count_awaiting(get_session(), unit_ids=scope_members(), approver=_approver())
    except SQLAlchemyError:  # the error page of a failed transaction still gets its menu
        return 0


def _categories():
    return list_categories(get_session(), active_only=True)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("draft_payouts")
def new():
    """Draft a payout from a fund in scope."""
    session = get_session()
    unit_id = arg_int("unit", current_user.unit_id)
    require_scope(unit_id)
    fund = get_unit(session, unit_id)
    form = _form(DisbursementForm, fund)
    if request.method == "GET":
        form.disbursement_date.data = date.today()
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _draft(s, fund, form))
        except LedgerError as error:
            return refused(error, form, "disbursements/new.html", fund=fund)
        flash(_("Đã lập phiếu chi (chờ duyệt)."), "info")
        return redirect(url)
    return render_template("disbursements/new.html", form=form, fund=fund)


def _form(cls, fund: Unit, obj: Disbursement | None = None):
    """The drafting form with the fund's categories and children (``obj`` pre-fills it)."""
    session = get_session()
    form = cls(obj=obj if request.method == "GET" else None)
    form.category_id.choices = [(c.id, category_label(c)) for c in _categories()]
    form.bank_account_id.choices = document_account_choices(session, fund.id)
    children = fund_children(session, fund.id)
    form.beneficiary_id.choices = [(0, _("— Không (quà theo nhóm / khác) —"))] + [
        (b.id, f"{b.full_name if full_view(b) else mask_name(b.full_name)} ({b.birth_date.year})")
        for b in children
    ]
    form.goods_item.choices = [
        (
            f"{g.name}{ITEM_SEPARATOR}{g.unit}",
            f"{g.name} ({format_quantity(g.on_hand_qty)} {g.unit})",
        )
        for g in goods_choices(session, fund.id)
    ]
    if obj is not None and request.method == "GET":
        form.beneficiary_id.data = obj.beneficiary_id or 0
        if obj.method == Method.IN_KIND:
            form.goods_item.data = f"{obj.goods_name}{ITEM_SEPARATOR}{obj.goods_unit}"
            form.quantity.data = format_quantity(obj.quantity_milli)
        if obj.children_count:
            form.amount.data = None
    return form


def _draft(session, fund: Unit, form: DisbursementForm) -> str:
    item = service.draft_disbursement(
        session, unit_id=fund.id, user_id=current_user.id, data=_input(form)
    )
    return url_for("disbursements.show", disbursement_id=item.id)


def _input(form: DisbursementForm) -> service.DisbursementInput:
    return service.DisbursementInput(
        disbursement_date=form.disbursement_date.data,
        category_id=form.category_id.data,
        payee_name=form.payee_name.data,
        amount=form.amount.data,
        children_count=form.children_count.data,
        amount_each=form.amount_each.data,
        beneficiary_id=form.beneficiary_id.data or None,
        payee_address=form.payee_address.data,
        reason=form.reason.data,
        method=form.method.data,
        attachments=form.attachments.data or 0,
        bank_account_id=form.bank_account_id.data,
        **_goods_input(form),
    )


def _goods_input(form: DisbursementForm) -> dict:
    """The goods a payout in kind hands out (none for money)."""
    if form.method.data != Method.IN_KIND:
        return {}
    name, unit = goods_item(form.goods_item.data)
    return {
        "goods_name": name,
        "goods_unit": unit,
        "quantity_milli": form.quantity_milli,
        "unit_value": form.unit_value.data,
    }


def _item(disbursement_id: int) -> Disbursement:
    return get_in_scope(Disbursement, disbursement_id)


@bp.route("/<int:disbursement_id>")
@login_required
def show(disbursement_id: int):
    """The disbursement, its workflow actions and (once paid) its Phiếu chi."""
    return render_template("disbursements/show.html", **_page(_item(disbursement_id)))


def _page(item: Disbursement, **forms) -> dict:
    """What the disbursement's page shows; ``forms`` replaces an action's empty form with the
    one the user submitted (a refusal keeps what they typed)."""
    session = get_session()
    may = service.may_approve(
        session,
        item=item,
        user_id=current_user.id,
        role=current_user.role,
        user_unit_id=current_user.unit_id,
        same_level_max=int_setting(session, "approval_same_level_max"),
    )
    child = session.get(Beneficiary, item.beneficiary_id) if item.beneficiary_id else None
    return {
        "d": item,
        "may_approve": may,
        **_money(session, item),
        "drafter": session.get(User, item.drafted_by_id) if item.drafted_by_id else None,
        "decider": session.get(User, item.decided_by_id) if item.decided_by_id else None,
        "may_switch": _may_switch(item),
        "child": child,
        "category": session.get(Category, item.category_id),
        "fund": session.get(Unit, item.unit_id),
        "settings": voucher_settings(session, item.disbursement_date),
        "decision": DecisionForm(),
        "pay_form": PayForm(paid_on=date.today()),
        "void_form": VoidForm(),
        "withdraw_form": DecisionForm(),
        "needs_code": needs_code(session, item.amount),
        "has_factor": confirmed_factor(session, current_user.id) is not None,
        **forms,
    }


def _money(session, item: Disbursement) -> dict:
    """While a payout waits for approval or payment: the fund's cash and bank now, whether
    its own account covers it, and whether the other one would."""
    if item.status not in (DisbursementStatus.DRAFT, DisbursementStatus.APPROVED):
        return {"position": None}
    if item.method == Method.IN_KIND:  # goods: the goods book weighs it, not cash and bank
        return {"position": None}
    position = service.fund_position(session, item.unit_id)
    other = Method.BANK if item.method == Method.CASH else Method.CASH
    approved = item.status == DisbursementStatus.APPROVED
    return {
        "position": position,
        "other_method": other.value,
        "fits": position.can_pay(item.method, item.amount, approved=approved),
        "other_fits": position.can_pay(other, item.amount),
    }


def _may_switch(item: Disbursement) -> bool:
    """Whether this user may change the payment method: the drafter, while it is a draft."""
    return (
        item.status == DisbursementStatus.DRAFT
        and item.drafted_by_id == current_user.id
        and current_user.can("draft_payouts")
    )


def _act(disbursement_id: int, form, action, message: str, *, slot: str):
    """Run a workflow action; refused, the page again with the user's form in ``slot``."""
    item = _item(disbursement_id)
    if not form.validate_on_submit():
        flash(_("Thiếu thông tin cần thiết."), "error")
        return redirect(url_for("disbursements.show", disbursement_id=item.id))
    try:
        url = run_once(
            form,
            lambda s: action(s, item, form),
            url=url_for("disbursements.show", disbursement_id=item.id),
        )
    except LedgerError as error:
        count_if_wrong(error, purpose={"decision": "approve", "pay_form": "pay"}.get(slot, slot))
        if "factor_code" in form:
            form.factor_code.data = ""
        page = _page(_item(disbursement_id))
        return refused(error, form, "disbursements/show.html", **{**page, slot: form})
    flash(message, "info")
    return redirect(url)


def _decide_kwargs(session) -> dict:
    return {
        "user_id": current_user.id,
        "role": current_user.role,
        "user_unit_id": current_user.unit_id,
        "same_level_max": int_setting(session, "approval_same_level_max"),
    }


@bp.route("/<int:disbursement_id>/approve", methods=["POST"])
@permission_required("approve")
def approve(disbursement_id: int):
    return _act(
        disbursement_id,
        DecisionForm(),
        lambda s, d, f: _with_factor(
            s,
            f,
            "approve",
            service.approve_disbursement(
                s, disbursement_id=d.id, comment=f.comment.data or "", **_decide_kwargs(s)
            ),
        ),
        _("Đã duyệt phiếu chi."),
        slot="decision",
    )


def _with_factor(session, form, purpose: str, item: Disbursement) -> Disbursement:
    """Above the admin's limit the action stands only with the user's valid code (checked
    after the row is locked, on the amount it holds; a refusal rolls the action back)."""
    ensure_payout_factor(
        session,
        user_id=current_user.id,
        amount=item.amount,
        code=form.factor_code.data or "",
        now=utcnow(),
        purpose=purpose,
    )
    return item


@bp.route("/<int:disbursement_id>/reject", methods=["POST"])
@permission_required("approve")
def reject(disbursement_id: int):
    return _act(
        disbursement_id,
        DecisionForm(),
        lambda s, d, f: service.reject_disbursement(
            s, disbursement_id=d.id, comment=f.comment.data or "", **_decide_kwargs(s)
        ),
        _("Đã từ chối phiếu chi."),
        slot="decision",
    )


@bp.route("/<int:disbursement_id>/pay", methods=["POST"])
@permission_required("pay")
def pay(disbursement_id: int):
    form = PayForm()
    if form.validate_on_submit():
        warning = _pay_backdated(_item(disbursement_id), form.paid_on.data)
        if warning is not None:  # ask first; the user's date stays in the form
            page = _page(_item(disbursement_id), pay_form=form)
            return render_template("disbursements/show.html", **page, pay_backdated=warning)
    return _act(
        disbursement_id,
        form,
        lambda s, d, f: _with_factor(
            s,
            f,
            "pay",
            service.pay_disbursement(
                s, disbursement_id=d.id, on=f.paid_on.data, user_id=current_user.id
            ),
        ),
        _("Đã chi tiền; phiếu chi đã được ghi sổ."),
        slot="pay_form",
    )


def _pay_backdated(item: Disbursement, on: date) -> Backdated | None:
    """A payout takes its phiếu chi number when paid: whether that date goes back against the
    fund's series, unless the user already confirmed this very date; never a refusal."""
    if on is None or request.form.get("confirm_backdate") == on.isoformat():
        return None
    return backdated(get_session(), unit_id=item.unit_id, kind=VoucherKind.DISBURSEMENT, on=on)


@bp.route("/<int:disbursement_id>/void", methods=["POST"])
@permission_required("pay")
def void(disbursement_id: int):
    return _act(
        disbursement_id,
        VoidForm(),
        lambda s, d, f: service.void_disbursement(
            s, disbursement_id=d.id, reason=f.reason.data, on=date.today(), user_id=current_user.id
        ),
        _("Đã hủy phiếu chi."),
        slot="void_form",
    )


@bp.route("/<int:disbursement_id>/edit", methods=["GET", "POST"])
@permission_required("draft_payouts")
def edit(disbursement_id: int):
    """The drafter changes a draft still waiting for approval (amount, cash ↔ bank, …)."""
    item = _item(disbursement_id)
    if item.status != DisbursementStatus.DRAFT or item.drafted_by_id != current_user.id:
        abort(403)
    fund = get_unit(get_session(), item.unit_id)
    form = _form(DisbursementForm, fund, obj=item)
    if request.method == "GET" and request.args.get("method") in {m.value for m in PAY_METHODS}:
        form.method.data = request.args["method"]  # "Chuyển sang chuyển khoản" on a shortfall
    if form.validate_on_submit():
        try:
            url = run_once(
                form,
                lambda s: corrections.edit_draft(
                    s, disbursement_id=item.id, data=_input(form), user_id=current_user.id
                ),
                url=url_for("disbursements.show", disbursement_id=item.id),
            )
        except LedgerError as error:
            return refused(error, form, "disbursements/new.html", fund=fund, editing=item)
        flash(_("Đã sửa phiếu chi (chờ duyệt)."), "info")
        return redirect(url)
    return render_template("disbursements/new.html", form=form, fund=fund, editing=item)


@bp.route("/<int:disbursement_id>/withdraw", methods=["POST"])
@permission_required("draft_payouts")
def withdraw(disbursement_id: int):
    """The drafter takes the draft back; it stays in the history as withdrawn."""
    return _act(
        disbursement_id,
        DecisionForm(),
        lambda s, d, f: corrections.withdraw_draft(
            s, disbursement_id=d.id, user_id=current_user.id, reason=f.comment.data or ""
        ),
        _("Đã rút phiếu chi."),
        slot="withdraw_form",
    )


@bp.route("/<int:disbursement_id>/reissue", methods=["GET", "POST"])
@permission_required("pay")
def reissue(disbursement_id: int):
    """ "Sửa" a paid disbursement: void it ("Sửa: …", number kept) and issue the new one."""
    item = _item(disbursement_id)
    if item.status != DisbursementStatus.PAID:
        flash(_("Chỉ sửa được phiếu chi đã chi."), "error")
        return redirect(url_for("disbursements.show", disbursement_id=item.id))
    fund = get_unit(get_session(), item.unit_id)
    form = _form(DisbursementCorrectionForm, fund, obj=item)
    if form.validate_on_submit():
        try:
            url = run_once(
                form,
                lambda s: url_for(
                    "disbursements.show",
                    disbursement_id=corrections.reissue_disbursement(
                        s,
                        disbursement_id=item.id,
                        data=_input(form),
                        reason=form.correction_reason.data,
                        today=date.today(),
                        user_id=current_user.id,
                    ).id,
                ),
            )
        except LedgerError as error:
            return refused(error, form, "disbursements/new.html", fund=fund, correcting=item)
        flash(_("Đã hủy phiếu chi số %(number)s và lập phiếu mới.", number=item.number), "info")
        return redirect(url)
    return render_template("disbursements/new.html", form=form, fund=fund, correcting=item)


@bp.route("/<int:disbursement_id>/voucher.pdf")
@login_required
def voucher_pdf(disbursement_id: int):
    """Phiếu chi (C41-BB) as an A5 PDF, once paid."""
    from ..exports.vouchers import disbursement_pdf
    from ..services.evidence import file_count

    session, item = get_session(), _item(disbursement_id)
    if item.number is None:
        abort(404)
    data = disbursement_pdf(
        item,
        fund=session.get_one(Unit, item.unit_id),
        settings=voucher_settings(session, item.disbursement_date),
        files=file_count(session, "disbursement", item.id),
    )
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"phieu-chi-{item.year}-{item.number:04d}.pdf",
    )
