"""Cash book and bank book of a fund, on screen and as .xlsx."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, require_scope, scope_members
from ..db import get_session
from ..errors import LedgerError
from ..exports.book_pdf import book_pdf
from ..exports.books import book_csv, book_workbook
from ..filter_forms import DateRangeForm
from ..forms import LockForm, UnlockForm
from ..services.books import book_pages, read_book
from ..services.locks import last_lock_anchor, lock_period, locked_through, unlock_period
from ..services.oversight import fund_balances
from ..services.units import get_unit
from ..vocab import PAY_METHODS, Method, Role
from .common import arg_int, read_filters, refused, run_once, send_csv

bp = Blueprint("books", __name__, url_prefix="/books")

#: funds listed per page on the books' landing page
FUNDS_PER_PAGE = 100


@bp.route("/")
@login_required
def index():
    """ "Sổ quỹ" in the menu: a treasurer lands on the cash book they keep; a reviewer, auditor
    or admin on the funds they oversee, each with its cash and bank balance and both books."""
    if current_user.role == Role.TREASURER:
        return redirect(url_for("books.show", unit_id=current_user.unit_id, kind=Method.CASH))
    page = max(arg_int("page", 1), 1)
    funds, total = fund_balances(
        get_session(),
        unit_ids=scope_members(),
        first_id=current_user.unit_id,
        page=page,
        per_page=FUNDS_PER_PAGE,
    )
    pages = max(1, -(-total // FUNDS_PER_PAGE))
    return render_template(
        "books/index.html", funds=funds, total=total, page=page, pages=pages, today=date.today()
    )


def _book(unit_id: int, kind: str, *, tell: bool = True):
    if kind not in PAY_METHODS:
        abort(404)
    require_scope(unit_id)
    today = date.today()
    form = read_filters(DateRangeForm(), tell=tell)
    date_from = form.date_from.data or date(today.year, 1, 1)
    date_to = form.date_to.data or date(today.year, 12, 31)
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    session = get_session()
    return get_unit(session, unit_id), read_book(
        session,
        unit_id=unit_id,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        viewer_unit_id=current_user.unit_id,
    )


@bp.route("/<int:unit_id>/<kind>")
@login_required
def show(unit_id: int, kind: str):
    """Opening balance, lines with running balance and daily totals, closing balance."""
    unit, book = _book(unit_id, kind)
    return render_template(
        "books/show.html",
        unit=unit,
        book=book,
        page=_page_of(book),
        locked=locked_through(get_session(), unit_id),
        lock_anchor=last_lock_anchor(get_session(), unit_id),
        lock_form=LockForm(),
        unlock_form=UnlockForm(),
    )


@bp.route("/<int:unit_id>/lock", methods=["POST"])
@permission_required("lock")
def lock(unit_id: int):
    """A reviewer closes the unit's books through a date (after filing a report)."""
    require_scope(unit_id)
    form = LockForm()
    valid = form.validate_on_submit()
    if valid and form.confirmed.data != "1":
        return _confirm_lock(unit_id, form)
    if valid:
        try:
            run_once(
                form,
                lambda s: lock_period(
                    s, unit_id=unit_id, through=form.through.data, user_id=current_user.id
                ),
                url=url_for("books.show", unit_id=unit_id, kind="cash"),
            )
        except LedgerError as error:
            return _refused_on_book(error, unit_id, lock_form=form)
        flash(
            _("Đã khóa sổ đến hết ngày %(day)s.", day=form.through.data.strftime("%d/%m/%Y")),
            "info",
        )
    else:
        flash(_lock_date_problem(form), "error")
    return redirect(url_for("books.show", unit_id=unit_id, kind="cash"))


def _confirm_lock(unit_id: int, form: LockForm):
    """ "Khóa sổ" asks first: what the lock closes, through which day, and who can reopen it."""
    form.confirmed.data = "1"
    return render_template(
        "books/lock_confirm.html",
        unit=get_unit(get_session(), unit_id),
        form=form,
        locked=locked_through(get_session(), unit_id),
    )


def _lock_date_problem(form: LockForm) -> str:
    """Why the lock date was refused: not typed ("Chưa nhập ngày.") or not a date."""
    if form.through.errors:
        return _(
            "“%(field)s”: %(rule)s", field=form.through.label.text, rule=form.through.errors[0]
        )
    return _("Ngày khóa sổ không hợp lệ.")


@bp.route("/<int:unit_id>/unlock", methods=["POST"])
@permission_required("unlock")
def unlock(unit_id: int):
    """An admin moves a lock back or removes it; written to the audit log with the reason."""
    require_scope(unit_id)
    form = UnlockForm()
    if form.validate_on_submit():
        try:
            run_once(
                form,
                lambda s: unlock_period(
                    s,
                    unit_id=unit_id,
                    through=form.through.data,
                    user_id=current_user.id,
                    reason=form.reason.data,
                ),
                url=url_for("books.show", unit_id=unit_id, kind="cash"),
            )
        except LedgerError as error:
            return _refused_on_book(error, unit_id, unlock_form=form)
        flash(_("Đã mở khóa sổ."), "info")
    else:
        flash(_("Phải ghi lý do mở khóa."), "error")
    return redirect(url_for("books.show", unit_id=unit_id, kind="cash"))


def _refused_on_book(error: LedgerError, unit_id: int, **forms):
    """The cash book again, the refused form holding what the user typed, the message above."""
    unit, book = _book(unit_id, "cash")
    context = {"lock_form": LockForm(), "unlock_form": UnlockForm(), **forms}
    return refused(
        error,
        next(iter(forms.values())),
        "books/show.html",
        unit=unit,
        book=book,
        page=_page_of(book),
        locked=locked_through(get_session(), unit_id),
        **context,
    )


def _page_of(book):
    """The page of the book the user asked for (``?page=``; past the end: the last)."""
    pages = book_pages(book)
    return pages[min(max(arg_int("page", 1) or 1, 1), len(pages)) - 1]


@bp.route("/<int:unit_id>/<kind>.xlsx")
@login_required
def download(unit_id: int, kind: str):
    """The same book as a workbook."""
    unit, book = _book(unit_id, kind)
    name = "so-quy-tien-mat" if kind == Method.CASH else "so-tien-gui"
    return send_file(
        io.BytesIO(book_workbook(book, unit_name=unit.name)),
        as_attachment=True,
        download_name=f"{name}-{unit.code}-{book.date_from:%Y%m%d}-{book.date_to:%Y%m%d}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/<int:unit_id>/<kind>.csv")
@login_required
def download_csv(unit_id: int, kind: str):
    """The same book as CSV, the workbook's cells."""
    unit, book = _book(unit_id, kind)
    name = "so-quy-tien-mat" if kind == Method.CASH else "so-tien-gui"
    return send_csv(
        book_csv(book, unit_name=unit.name),
        f"{name}-{unit.code}-{book.date_from:%Y%m%d}-{book.date_to:%Y%m%d}.csv",
    )


@bp.route("/<int:unit_id>/<kind>.pdf")
@login_required
def pdf(unit_id: int, kind: str):
    """The same book on A4 with its page numbers and signatures, to print and sign."""
    unit, book = _book(unit_id, kind)
    name = "so-quy-tien-mat" if kind == Method.CASH else "so-tien-gui"
    return send_file(
        io.BytesIO(book_pdf(book, unit_name=unit.name)),
        mimetype="application/pdf",
        download_name=f"{name}-{unit.code}-{book.date_from:%Y%m%d}-{book.date_to:%Y%m%d}.pdf",
    )
