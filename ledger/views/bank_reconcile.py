"""Bảng đối chiếu số dư tài khoản tiền gửi: a bank account's saved reconciliations, a new one
computed for a period and saved with a note, and the saved one printed on A4.

Everyone in the fund's scope sees and prints them; those who keep the books (treasurers, who
write receipts) make and withdraw them. Another fund's account is a 404.
"""

from __future__ import annotations

from datetime import UTC, date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import col, select

from ..dates import VIETNAM
from ..db import get_session
from ..errors import LedgerError
from ..filter_forms import DateRangeForm
from ..forms import BankReconciliationForm, WithdrawReconciliationForm
from ..i18n import error_message
from ..models import BankAccount, BankReconciliation, User
from ..services import bank_reconciliation as service
from ..services.locks import locked_through
from ..services.paging import Page
from ..services.units import get_unit
from .common import arg_int, get_in_scope, read_filters, refused, run_once

bp = Blueprint("bank_reconcile", __name__)

#: saved reconciliations listed per page (one a month: four years)
PER_PAGE = 50


def _account(account_id: int) -> BankAccount:
    return get_in_scope(BankAccount, account_id)


def _names(ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = get_session().exec(
        select(User.id, User.full_name, User.username).where(col(User.id).in_(wanted))
    )
    return {uid: full or username for uid, full, username in rows}


@bp.route("/bank/accounts/<int:account_id>/reconciliations")
@login_required
def index(account_id: int):
    """The account's saved reconciliations, the latest first; a difference shows in red."""
    account = _account(account_id)
    session = get_session()
    saved = service.saved_reconciliations(session, account.id)
    number = max(arg_int("page", 1), 1)
    rows = saved[(number - 1) * PER_PAGE : number * PER_PAGE]
    page = Page(rows=rows, newer=None, older=None, count=len(saved), number=number)
    return render_template(
        "bank/reconcile_index.html",
        account=account,
        fund=get_unit(session, account.unit_id),
        rows=rows,
        pager=page,
        args=request.args,
        names=_names(r.made_by_id for r in rows),
    )


def _period(account: BankAccount) -> tuple[date, date]:
    form = read_filters(DateRangeForm())
    start, end = service.default_period(get_session(), account)
    return form.date_from.data or start, form.date_to.data or end


def _compute(account: BankAccount, start: date, end: date):
    """The result for the period, or None with the refusal flashed (a period backwards)."""
    try:
        return service.reconcile(get_session(), account=account, period_from=start, period_to=end)
    except LedgerError as error:
        flash(error_message(error), "error")
        return None


def _page_context(account: BankAccount, start: date, end: date, result) -> dict:
    session = get_session()
    return {
        "account": account,
        "fund": get_unit(session, account.unit_id),
        "start": start,
        "end": end,
        "result": result,
        "last": service.last_reconciliation(session, account.id),
    }


@bp.route("/bank/accounts/<int:account_id>/reconciliations/new", methods=["GET", "POST"])
@login_required
def new(account_id: int):
    """Choose the period, see both sides and the items that explain the gap, save with a note."""
    account = _account(account_id)
    form = BankReconciliationForm()
    if request.method == "POST":
        if not current_user.can("write_receipts"):
            abort(403)
        return _save(account, form)
    start, end = _period(account)
    result = _compute(account, start, end)
    form.period_from.data, form.period_to.data = start, end
    return render_template(
        "bank/reconcile_new.html", form=form, **_page_context(account, start, end, result)
    )


def _save(account: BankAccount, form: BankReconciliationForm):
    if not form.validate_on_submit():
        start, end = service.default_period(get_session(), account)
        return render_template(
            "bank/reconcile_new.html", form=form, **_page_context(account, start, end, None)
        ), 400
    start, end = form.period_from.data, form.period_to.data

    def save(session) -> str:
        fresh = session.get_one(BankAccount, account.id)
        result = service.reconcile(session, account=fresh, period_from=start, period_to=end)
        saved = service.save_reconciliation(
            session,
            account=fresh,
            result=result,
            note=form.note.data or "",
            user_id=current_user.id,
        )
        return url_for("bank_reconcile.show", reconciliation_id=saved.id)

    try:
        url = run_once(form, save)
    except LedgerError as error:
        context = _page_context(account, start, end, _compute(account, start, end))
        return refused(error, form, "bank/reconcile_new.html", **context)
    flash(_("Đã lưu bảng đối chiếu số dư tài khoản tiền gửi."), "info")
    return redirect(url)


def _saved(reconciliation_id: int) -> tuple[BankReconciliation, BankAccount]:
    saved = get_session().get(BankReconciliation, reconciliation_id)
    if saved is None:
        abort(404)
    return saved, _account(saved.bank_account_id)


@bp.route("/bank/reconciliations/<int:reconciliation_id>")
@login_required
def show(reconciliation_id: int):
    """The saved reconciliation as the printed form (A4 portrait)."""
    saved, account = _saved(reconciliation_id)
    session = get_session()
    items = service.items_of(saved)
    locked = locked_through(session, account.unit_id)
    last = service.last_reconciliation(session, account.id)
    return render_template(
        "bank/reconcile_show.html",
        saved=saved,
        account=account,
        fund=get_unit(session, account.unit_id),
        in_bank=[i for i in items if i["side"] == service.IN_BANK],
        in_books=[i for i in items if i["side"] == service.IN_BOOKS],
        sums=_sums(items),
        maker=_names([saved.made_by_id]).get(saved.made_by_id or 0, ""),
        withdrawable=(last is not None and last.id == saved.id)
        and (locked is None or saved.period_to > locked),
        withdraw_form=WithdrawReconciliationForm(),
        made_on=saved.made_at.replace(tzinfo=UTC).astimezone(VIETNAM).date(),
    )


def _sums(items: list[dict]) -> dict[str, int]:
    """Money in and out on each side, as the printed form adds and subtracts them."""

    def total(side: str, sign: int) -> int:
        return sum(abs(i["amount"]) for i in items if i["side"] == side and i["amount"] * sign > 0)

    return {
        "bank_in": total(service.IN_BANK, 1),
        "bank_out": total(service.IN_BANK, -1),
        "books_in": total(service.IN_BOOKS, 1),
        "books_out": total(service.IN_BOOKS, -1),
    }


@bp.route("/bank/reconciliations/<int:reconciliation_id>/withdraw", methods=["POST"])
@login_required
def withdraw(reconciliation_id: int):
    """Withdraw the latest reconciliation while its period is open (to redo it), with a reason."""
    saved, account = _saved(reconciliation_id)
    if not current_user.can("write_receipts"):
        abort(403)
    form = WithdrawReconciliationForm()
    back = url_for("bank_reconcile.show", reconciliation_id=saved.id)
    if not form.validate_on_submit():
        flash(_("Hãy ghi lý do hủy bảng đối chiếu."), "error")
        return redirect(back)

    def withdraw_it(session) -> None:
        service.delete_reconciliation(
            session,
            saved=session.get_one(BankReconciliation, saved.id),
            reason=form.reason.data,
            user_id=current_user.id,
        )

    target = url_for("bank_reconcile.index", account_id=account.id)
    try:
        run_once(form, withdraw_it, url=target)
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(back)
    flash(_("Đã hủy bảng đối chiếu; có thể lập lại cho kỳ này."), "info")
    return redirect(target)
