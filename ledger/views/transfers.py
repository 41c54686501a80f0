"""Transfers between funds and cash ↔ bank: send, confirm receipt, see what is in transit."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, scope_ids, scope_members
from ..db import get_session
from ..errors import LedgerError
from ..exports.vouchers import transfer_voucher
from ..exports.vouchers import voucher_pdf as render_pdf
from ..filter_forms import TransferFilterForm
from ..forms import ReceiveForm, TransferForm
from ..models import Transfer, Unit, User
from ..money import format_vnd
from ..services import transfers as service
from ..services.bank_accounts import document_account_choices
from ..services.evidence import file_count
from ..services.paging import parse_cursor
from ..services.settings import voucher_settings
from ..services.units import get_unit, unit_names
from ..vocab import Method, Role, TransferStatus
from .common import arg_int, get_in_scope, read_filters, refused, run_once

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


@bp.route("/")
@login_required
def index():
    """Transfers touching the user's scope; those not yet received are in transit."""
    session = get_session()
    form = read_filters(TransferFilterForm())
    status = form.status.data or ""
    found = service.list_transfers(
        session,
        unit_ids=scope_members(),
        status=status,
        text=form.q.data or "",
        page=arg_int("page", 1) or 1,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=True
        ),
    )
    rows = found.page.rows
    names = unit_names(session, {t.from_unit_id for t in rows} | {t.to_unit_id for t in rows} | {0})
    return render_template(
        "transfers/index.html",
        rows=rows,
        names=names,
        receivable={t.id for t in rows if _may_receive(t)},
        in_transit=found.in_transit,
        status=status,
        total=found.total,
        pager=found.page,
        args=request.args,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("transfer")
def new():
    """Send money from the user's fund to its parent or a child, or between cash and bank."""
    session = get_session()
    fund = get_unit(session, current_user.unit_id)
    form = TransferForm()
    targets = service.transfer_targets(session, fund)
    form.to_unit_id.choices = [
        (u.id, u.name + (" (" + _("cùng quỹ") + ")" if u.id == fund.id else "")) for u in targets
    ]
    form.from_bank_account_id.choices = document_account_choices(session, fund.id)
    form.to_bank_account_id.choices = form.from_bank_account_id.choices
    if not form.is_submitted():
        form.sent_on.data = date.today()
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _send(s, fund, form))
        except LedgerError as error:
            return refused(error, form, "transfers/new.html", fund=fund)
        flash(_sent_message(session, fund, form), "info")
        return redirect(url)
    return render_template("transfers/new.html", form=form, fund=fund)


def _sent_message(session, fund: Unit, form: TransferForm) -> str:
    """Say what happened: a move inside the fund is done at once; a transfer to another fund
    waits for that fund to confirm it."""
    amount = format_vnd(form.amount.data)
    if form.to_unit_id.data == fund.id:
        if form.from_method.data == Method.CASH:
            return _("Đã nộp %(amount)s tiền mặt vào tài khoản ngân hàng.", amount=amount)
        return _("Đã rút %(amount)s từ tài khoản ngân hàng nhập quỹ tiền mặt.", amount=amount)
    name = get_unit(session, form.to_unit_id.data).name
    return _(
        "Đã ghi khoản chuyển %(amount)s cho %(name)s; tiền đang chuyển cho đến khi %(name)s "
        "xác nhận đã nhận.",
        amount=amount,
        name=name,
    )


def _send(session, fund: Unit, form: TransferForm) -> str:
    transfer = service.send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=form.to_unit_id.data,
        amount=form.amount.data,
        on=form.sent_on.data,
        from_method=form.from_method.data,
        to_method=form.to_method.data,
        memo=form.memo.data,
        user_id=current_user.id,
        from_bank_account_id=form.from_bank_account_id.data,
        to_bank_account_id=form.to_bank_account_id.data,
    )
    if transfer.number is not None:
        return url_for("transfers.voucher", transfer_id=transfer.id)
    return url_for("transfers.show", transfer_id=transfer.id)


def _internal(transfer_id: int) -> Transfer:
    """A cash ↔ bank move of a fund in scope (only those have a cash voucher)."""
    transfer = get_in_scope(Transfer, transfer_id, unit_attr="from_unit_id")
    if transfer.number is None:
        abort(404)
    return transfer


def _voucher_of(transfer: Transfer):
    session = get_session()
    fund = get_unit(session, transfer.from_unit_id)
    return transfer_voucher(
        transfer,
        fund=fund,
        settings=voucher_settings(session, transfer.sent_on),
        files=file_count(session, "transfer", transfer.id),
    )


@bp.route("/<int:transfer_id>")
@login_required
def show(transfer_id: int):
    """A transfer between funds as either side (or a level above) reads it: who sent what and
    when, what arrived, and the evidence (the sender's bank slip, the receiver's credit advice).
    A cash ↔ bank move is shown as its voucher."""
    session = get_session()
    transfer = session.get(Transfer, transfer_id)
    if transfer is None or not {transfer.from_unit_id, transfer.to_unit_id} & scope_ids():
        abort(404)
    if transfer.number is not None:
        return redirect(url_for("transfers.voucher", transfer_id=transfer.id))
    names = unit_names(session, {transfer.from_unit_id, transfer.to_unit_id})
    ids = {i for i in (transfer.created_by_id, transfer.received_by_id) if i is not None}
    people = {i: session.get(User, i) for i in ids}
    return render_template(
        "transfers/show.html",
        t=transfer,
        names=names,
        people={i: (u.full_name or u.username) for i, u in people.items() if u is not None},
        files=file_count(session, "transfer", transfer.id),
        may_receive=_may_receive(transfer),
    )


def _may_confirm(transfer: Transfer) -> bool:
    """Whether this user confirms what arrives at the receiving fund: its own staff who move
    money, or an admin or reviewer above it."""
    own = current_user.unit_id == transfer.to_unit_id
    above = current_user.role in (Role.ADMIN, Role.REVIEWER) and not own
    if transfer.to_unit_id not in scope_ids():  # the sender's staff cannot confirm for the parent
        return False
    return above or (own and current_user.can("transfer"))


def _may_receive(transfer: Transfer) -> bool:
    """Whether the page offers "Xác nhận đã nhận" (still in transit, and the user may)."""
    return transfer.status == TransferStatus.SENT and _may_confirm(transfer)


@bp.route("/<int:transfer_id>/voucher")
@login_required
def voucher(transfer_id: int):
    """The cash voucher of a cash ↔ bank move (phiếu chi for a deposit, phiếu thu for a
    withdrawal), printable on A5."""
    transfer = _internal(transfer_id)
    return render_template("transfers/voucher.html", t=transfer, voucher=_voucher_of(transfer))


@bp.route("/<int:transfer_id>/voucher.pdf")
@login_required
def voucher_pdf(transfer_id: int):
    """The same voucher as an A5 PDF."""
    transfer = _internal(transfer_id)
    return send_file(
        io.BytesIO(render_pdf(_voucher_of(transfer))),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"chuyen-quy-{transfer.sent_on.year}-{transfer.number:04d}.pdf",
    )


@bp.route("/<int:transfer_id>/receive", methods=["GET", "POST"])
@login_required
def receive(transfer_id: int):
    """The receiving fund confirms the amount and date that arrived (a reviewer above it may
    too: a shortfall over the setting needs one)."""
    session = get_session()
    transfer = get_in_scope(Transfer, transfer_id, unit_attr="to_unit_id")
    if not _may_confirm(transfer):
        abort(403)
    form = ReceiveForm()
    form.to_bank_account_id.choices = document_account_choices(session, transfer.to_unit_id)
    if not form.is_submitted():
        form.amount.data, form.received_on.data = transfer.amount_sent, transfer.sent_on
    if form.validate_on_submit():
        try:
            url = run_once(
                form,
                lambda s: service.receive_transfer(
                    s,
                    transfer_id=transfer.id,
                    amount=form.amount.data,
                    on=form.received_on.data,
                    reason=form.reason.data or "",
                    user_id=current_user.id,
                    role=current_user.role,
                    user_unit_id=current_user.unit_id,
                    to_bank_account_id=form.to_bank_account_id.data,
                ),
                url=url_for("transfers.show", transfer_id=transfer.id),
            )
        except LedgerError as error:
            return refused(
                error,
                form,
                "transfers/receive.html",
                t=transfer,
                sender=session.get(Unit, transfer.from_unit_id),
            )
        flash(_("Đã xác nhận nhận tiền."), "info")
        return redirect(url)
    return render_template(
        "transfers/receive.html",
        form=form,
        t=transfer,
        sender=session.get(Unit, transfer.from_unit_id),
    )
