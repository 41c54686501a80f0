"""Cash counts (kiểm kê quỹ tiền mặt): list, count by denomination, approve or reject a
difference, print the Biên bản kiểm kê quỹ."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..auth import permission_required, require_scope
from ..dates import format_local_datetime
from ..db import get_session
from ..errors import InvalidCashQuantity, LedgerError, UnknownDenomination
from ..fields import DateField
from ..forms import BaseForm, DecisionForm
from ..i18n import error_message
from ..models import CashCount, Unit, User
from ..money import group_digits
from ..services import cash_counts as service
from ..services.paging import parse_cursor
from ..services.settings import int_setting
from ..vocab import CashCountStatus, Role
from .common import arg_int, run_once

bp = Blueprint("cash_counts", __name__, url_prefix="/funds/<int:unit_id>/cash-counts")

#: the form field a refusal is about, by rule (a quantity's row is found by its label)
FIELD_OF = {
    "CountNeedsReason": "reason",
    "ReasonRequired": "treasurer_name",
    "CountInFuture": "count_date",
    "PeriodLocked": "count_date",
    "UnitNotValid": "count_date",
    "DateNotPlausible": "count_date",
    "CashCountedThrough": "count_date",
}


class CountForm(BaseForm):
    """The count: its date, the people who count, the reason for a difference; a quantity
    field per denomination (``q_<key>``) is added below."""

    count_date = DateField(_l("Ngày kiểm kê"))
    treasurer_name = StringField(_l("Thủ quỹ (họ tên)"), validators=[Length(max=200)])
    accountant_name = StringField(
        _l("Đại diện kế toán (họ tên)"), validators=[Optional(), Length(max=200)]
    )
    witness_name = StringField(
        _l("Người chứng kiến (họ tên)"), validators=[Optional(), Length(max=200)]
    )
    reason = StringField(
        _l("Lý do thừa/thiếu quỹ"),
        validators=[Optional(), Length(max=500)],
        description=_l("Bắt buộc khi số kiểm kê khác sổ quỹ."),
    )


for _row in service.DENOMINATIONS:
    setattr(
        CountForm,
        f"q_{_row.key}",
        StringField(
            _l(_row.msgid, value=group_digits(_row.value)),
            render_kw={
                "inputmode": "numeric",
                "autocomplete": "off",
                "data-denomination": str(_row.value),
            },
        ),
    )


def _fund(unit_id: int) -> Unit:
    require_scope(unit_id)
    fund = get_session().get(Unit, unit_id)
    if fund is None:
        abort(404)
    return fund


def _count(unit_id: int, count_id: int) -> CashCount:
    """The count, only through its own fund's url (another fund's id: 404)."""
    fund = _fund(unit_id)
    count = get_session().get(CashCount, count_id)
    if count is None or count.unit_id != fund.id:
        abort(404)
    return count


def _may_record(fund: Unit) -> bool:
    """The fund's own treasurer (who holds its cash box), or an admin in scope."""
    if current_user.role == Role.ADMIN:
        return True
    return current_user.role == Role.TREASURER and current_user.unit_id == fund.id


@bp.route("", strict_slashes=False)
@login_required
def index(unit_id: int):
    """The fund's counts, newest first: counted, book, difference, status, who."""
    fund = _fund(unit_id)
    session = get_session()
    found = service.counts_page(
        session,
        unit_id=fund.id,
        page=arg_int("page", 1) or 1,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=True
        ),
    )
    return render_template(
        "cash/index.html",
        fund=fund,
        rows=found.rows,
        pager=found,
        args=request.args,
        users=_users({c.counted_by_id for c in found.rows} | {c.decided_by_id for c in found.rows}),
        may_record=_may_record(fund),
        book_now=service.book_balance(session, unit_id=fund.id, on=date.today()),
        labels=service.STATUS_LABELS,
        title=_("Kiểm kê quỹ tiền mặt"),
    )


def _users(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    session = get_session()
    return {u.id: u.full_name or u.username for u in (session.get(User, i) for i in ids) if u}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(unit_id: int):
    """Count the cash box: a quantity per denomination; "Tính" adds up without saving."""
    fund = _fund(unit_id)
    if not _may_record(fund):
        abort(403)
    form = CountForm()
    if request.method == "GET":
        form.count_date.data = date.today()
        form.treasurer_name.data = current_user.full_name or ""
    if request.method == "POST" and "save" not in request.form:
        form.validate()  # "Tính": totals and the book, nothing stored
        return _form_page(fund, form)
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _record(s, fund, form))
        except LedgerError as error:
            return _refused(fund, form, error)
        flash(_("Đã lưu bảng kiểm kê quỹ."), "info")
        return redirect(url)
    return _form_page(fund, form, status=400 if request.method == "POST" else 200)


def _quantities(form: CountForm) -> dict[str, str]:
    return {d.key: form[f"q_{d.key}"].data or "" for d in service.DENOMINATIONS}


def _record(session, fund: Unit, form: CountForm) -> str:
    count = service.record_count(
        session,
        unit_id=fund.id,
        data=service.CountInput(
            count_date=form.count_date.data,
            quantities=_quantities(form),
            treasurer_name=form.treasurer_name.data,
            accountant_name=form.accountant_name.data,
            witness_name=form.witness_name.data,
            reason=form.reason.data,
        ),
        user_id=current_user.id,
    )
    return url_for("cash_counts.show", unit_id=fund.id, count_id=count.id)


def _refused(fund: Unit, form: CountForm, error: LedgerError):
    """The form again with the user's values and the message at its field (a quantity's at
    its row)."""
    message = error_message(error)
    name = FIELD_OF.get(type(error).__name__)
    if isinstance(error, InvalidCashQuantity | UnknownDenomination):
        row = str(error.params.get("row", ""))
        name = next((f"q_{d.key}" for d in service.DENOMINATIONS if d.label == row), None)
    if name is not None and name in form:
        form[name].errors = [*form[name].errors, message]
    else:
        flash(message, "error")
    form.fresh_key()
    return _form_page(fund, form, status=error.status)


def _form_page(fund: Unit, form: CountForm, status: int = 200):
    """The form with each row's amount, the total, the book at the end of the date typed and
    the difference, as far as what was typed allows."""
    session = get_session()
    rows, counted = [], 0
    for d in service.DENOMINATIONS:
        field = form[f"q_{d.key}"]
        try:
            pieces = service.parse_quantities({d.key: field.data or "0"}).get(d.key, 0)
        except LedgerError as error:
            if not field.errors:
                field.errors = [error_message(error)]
            pieces = 0
        rows.append((d, field, d.value * pieces))
        counted += d.value * pieces
    day = form.count_date.data if isinstance(form.count_date.data, date) else date.today()
    book = service.book_balance(session, unit_id=fund.id, on=day)
    page = render_template(
        "cash/new.html",
        form=form,
        fund=fund,
        rows=rows,
        counted=counted,
        book=book,
        day=day,
        difference=counted - book,
        title=_("Kiểm kê quỹ tiền mặt"),
    )
    return page, status


def _decide_args(session) -> dict:
    return {
        "user_id": current_user.id,
        "role": current_user.role,
        "user_unit_id": current_user.unit_id,
        "same_level_max": int_setting(session, "approval_same_level_max"),
    }


def _page(count: CashCount, **forms) -> dict:
    session = get_session()
    args = _decide_args(session)
    may = service.may_decide(
        session,
        count=count,
        user_id=args["user_id"],
        role=args["role"],
        user_unit_id=args["user_unit_id"],
        same_level_max=args["same_level_max"],
    )
    return {
        "c": count,
        "fund": session.get(Unit, count.unit_id),
        "rows": service.rows_of(count),
        "labels": service.STATUS_LABELS,
        "users": _users({count.counted_by_id, count.decided_by_id}),
        "may_decide": may and count.status == CashCountStatus.PENDING,
        "decision": DecisionForm(),
        "title": _("Kiểm kê quỹ tiền mặt"),
        **forms,
    }


@bp.route("/<int:count_id>")
@login_required
def show(unit_id: int, count_id: int):
    """The count, its difference and (to a reviewer) approve or reject."""
    return render_template("cash/show.html", **_page(_count(unit_id, count_id)))


def _act(unit_id: int, count_id: int, action, message: str):
    count = _count(unit_id, count_id)
    form = DecisionForm()
    target = url_for("cash_counts.show", unit_id=unit_id, count_id=count.id)
    if not form.validate_on_submit():
        flash(_("Thiếu thông tin cần thiết."), "error")
        return redirect(target)
    try:
        run_once(form, lambda s: action(s, count, form), url=target)
    except LedgerError as error:
        flash(error_message(error), "error")
        form.fresh_key()
        page = _page(_count(unit_id, count_id), decision=form)
        return render_template("cash/show.html", **page), error.status
    flash(message, "info")
    return redirect(target)


@bp.route("/<int:count_id>/approve", methods=["POST"])
@permission_required("approve")
def approve(unit_id: int, count_id: int):
    return _act(
        unit_id,
        count_id,
        lambda s, c, f: service.approve_count(
            s, count_id=c.id, comment=f.comment.data or "", **_decide_args(s)
        ),
        _("Đã duyệt; chênh lệch kiểm kê đã được ghi sổ."),
    )


@bp.route("/<int:count_id>/reject", methods=["POST"])
@permission_required("approve")
def reject(unit_id: int, count_id: int):
    return _act(
        unit_id,
        count_id,
        lambda s, c, f: service.reject_count(
            s, count_id=c.id, comment=f.comment.data or "", **_decide_args(s)
        ),
        _("Đã từ chối bảng kiểm kê quỹ."),
    )


@bp.route("/<int:count_id>/print")
@login_required
def print_count(unit_id: int, count_id: int):
    """The Biên bản kiểm kê quỹ (dùng cho VND) on A4, as its form lays it out."""
    count = _count(unit_id, count_id)
    session = get_session()
    return render_template(
        "cash/print.html",
        c=count,
        fund=session.get(Unit, count.unit_id),
        rows=[r for r in service.rows_of(count) if r[1]],
        form_of=service.count_form(session, count.count_date),
        clock=_clock(count),
        conclusion=service.conclusion(count),
        title=_("Biên bản kiểm kê quỹ"),
    )


def _clock(count: CashCount) -> str:
    """ "14 giờ 30" when the count was recorded on its own day (Vietnam's time), else dots
    for the hour to be written in by hand."""
    moment = format_local_datetime(count.counted_at)  # dd/mm/yyyy HH:MM
    day, _space, hour = moment.partition(" ")
    if day != count.count_date.strftime("%d/%m/%Y"):
        return "…… giờ ……"
    hours, minutes = hour.split(":")
    return f"{hours} giờ {minutes}"
