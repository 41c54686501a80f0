"""Transfers between funds and cash ↔ bank: send, confirm receipt, see what is in transit."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, scope_members
from ..db import get_session
from ..errors import LedgerError
from ..filter_forms import TransferFilterForm
from ..forms import ReceiveForm, TransferForm
from ..models import Transfer, Unit
from ..services import transfers as service
from ..services.paging import parse_cursor
from ..services.units import get_unit, unit_names
from ..vocab import Role
from .common import arg_int, get_in_scope, read_filters, refused, run_once

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


@bp.route("/")
@login_required
def index():
    """Transfers touching the user's scope; those not yet received are in transit."""
    session = get_session()
    status = read_filters(TransferFilterForm()).status.data or ""
    found = service.list_transfers(
        session,
        unit_ids=scope_members(),
        status=status,
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
    if not form.is_submitted():
        form.sent_on.data = date.today()
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _send(s, fund, form))
        except LedgerError as error:
            return refused(error, form, "transfers/new.html", fund=fund)
        flash(_("Đã ghi khoản chuyển; chờ bên nhận xác nhận."), "info")
        return redirect(url)
    return render_template("transfers/new.html", form=form, fund=fund)


def _send(session, fund: Unit, form: TransferForm) -> str:
    service.send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=form.to_unit_id.data,
        amount=form.amount.data,
        on=form.sent_on.data,
        from_method=form.from_method.data,
        to_method=form.to_method.data,
        memo=form.memo.data,
        user_id=current_user.id,
    )
    return url_for("transfers.index")


@bp.route("/<int:transfer_id>/receive", methods=["GET", "POST"])
@login_required
def receive(transfer_id: int):
    """The receiving fund confirms the amount and date that arrived (a reviewer above it may
    too: a shortfall over the setting needs one)."""
    session = get_session()
    transfer = get_in_scope(Transfer, transfer_id, unit_attr="to_unit_id")
    own = current_user.unit_id == transfer.to_unit_id
    above = current_user.role in (Role.ADMIN, Role.REVIEWER) and not own
    if not above and not (own and current_user.can("transfer")):
        abort(403)
    form = ReceiveForm()
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
                ),
                url=url_for("transfers.index"),
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
