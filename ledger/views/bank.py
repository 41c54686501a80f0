"""A fund's bank accounts and their statements: list, add and edit accounts, import a statement
(upload → preview: new and known lines, balances, bad rows → "Ghi"), see the lines.

Reading is for everyone in scope; writing (accounts, imports, the column mapping) is for the
fund's treasurers and admins (``write_receipts``: the roles that record the fund's money).
A previewed file is kept until imported or cancelled, never longer than UPLOAD_MAX_AGE_MINUTES.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import col

from ..auth import permission_required, require_scope, scope_members
from ..db import get_session
from ..errors import LedgerError
from ..forms_bank import (
    BankAccountForm,
    CloseAccountForm,
    ColumnMapForm,
    PrimaryForm,
    StatementConfirmForm,
    StatementUploadForm,
)
from ..i18n import error_message
from ..models import BankAccount, StatementLine
from ..money import format_vnd
from ..services import bank_accounts as accounts
from ..services import statements
from ..services.paging import bounded_count, numbered_or_keyset, parse_cursor
from ..services.units import get_unit
from ..statements_read import FIELD_NAMES, PRESETS
from .common import arg_int, get_in_scope, refused, run_once

bp = Blueprint("bank", __name__, url_prefix="/bank")

#: who may add accounts and import statements: the roles that record the fund's money
WRITE = "write_receipts"
FUNDS_PER_PAGE = 50
LINES_PER_PAGE = 50
#: lines and bad rows a preview shows (the counts stay exact)
PREVIEW_ROWS = 300
_TOKEN = re.compile(r"^[0-9a-f]{64}\.(xlsx|xls|csv)$")
KEPT_PER_USER = 3


@bp.route("/")
@login_required
def index():
    """The funds in scope, in the official order, each with its bank accounts."""
    page = max(arg_int("page", 1), 1)
    funds, total = accounts.funds_with_accounts(
        get_session(), unit_ids=scope_members(), page=page, per_page=FUNDS_PER_PAGE
    )
    return render_template(
        "bank/index.html",
        funds=funds,
        page=page,
        pages=max(1, -(-total // FUNDS_PER_PAGE)),
        total=total,
        can_write=current_user.can(WRITE),
    )


def _account(account_id: int) -> BankAccount:
    found: BankAccount = get_in_scope(BankAccount, account_id)
    return found


@bp.route("/accounts/<int:account_id>")
@login_required
def account(account_id: int):
    """The account, its statements and its lines (newest first, paged)."""
    item = _account(account_id)
    session = get_session()
    query = accounts.statement_lines_query(item.id)
    count = bounded_count(session, query.with_only_columns(col(StatementLine.id)).order_by(None))
    lines = numbered_or_keyset(
        session,
        query,
        order=(col(StatementLine.line_date), col(StatementLine.id)),
        key_of=lambda r: (r[0].line_date, r[0].id),
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=True
        ),
        page=max(arg_int("page", 1), 1),
        per_page=LINES_PER_PAGE,
        count=count,
    )
    return render_template(
        "bank/account.html",
        account=item,
        fund=get_unit(session, item.unit_id),
        statements=accounts.statements_of(session, item.id),
        lines=lines,
        can_write=current_user.can(WRITE),
        layout=PRESETS[item.statement_layout].label if item.statement_layout in PRESETS else "",
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(WRITE)
def new_account():
    """Add an account to a fund in scope (``?unit=``, the user's own by default)."""
    unit_id = arg_int("unit", current_user.unit_id)
    require_scope(unit_id)
    fund = get_unit(get_session(), unit_id)
    form = BankAccountForm()
    if not form.is_submitted():
        form.opened_on.data = None
    if not form.validate_on_submit():
        return render_template("bank/new.html", form=form, fund=fund)

    def action(session):
        added = accounts.add_bank_account(
            session,
            unit_id=fund.id,
            bank_bin=form.bank_bin.data,
            account_number=form.account_number.data,
            branch=form.branch.data,
            holder_name=form.holder_name.data,
            opened_on=form.opened_on.data,
            user_id=current_user.id,
        )
        return url_for("bank.account", account_id=added.id)

    try:
        return redirect(run_once(form, action))
    except accounts.InvalidBankAccount as error:
        form.fresh_key()
        field = form.bank_bin if error.reason == "bin" else form.account_number
        field.errors = [*field.errors, error_message(error)]
        return render_template("bank/new.html", form=form, fund=fund), 400


@bp.route("/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@permission_required(WRITE)
def edit_account(account_id: int):
    """Change an account's branch, holder and opening date; make it primary; close it."""
    item = _account(account_id)
    fund = get_unit(get_session(), item.unit_id)
    form = BankAccountForm(obj=item if request.method == "GET" else None)
    form.bank_bin.data, form.account_number.data = item.bank_bin, item.account_number
    context = {
        "fund": fund,
        "account": item,
        "primary_form": PrimaryForm(),
        "close_form": CloseAccountForm(),
    }
    if not form.validate_on_submit():
        return render_template("bank/edit.html", form=form, **context)

    def action(session):
        accounts.update_bank_account(
            session,
            account=session.get(BankAccount, item.id),
            branch=form.branch.data,
            holder_name=form.holder_name.data,
            opened_on=form.opened_on.data,
            user_id=current_user.id,
        )
        return url_for("bank.account", account_id=item.id)

    try:
        return redirect(run_once(form, action))
    except LedgerError as error:
        return refused(error, form, "bank/edit.html", **context)


@bp.route("/accounts/<int:account_id>/primary", methods=["POST"])
@permission_required(WRITE)
def make_primary(account_id: int):
    """Make the account the fund's primary."""
    item = _account(account_id)
    form = PrimaryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        url = run_once(
            form,
            lambda session: accounts.make_primary(
                session, account=session.get(BankAccount, item.id), user_id=current_user.id
            ),
            url=url_for("bank.account", account_id=item.id),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(url_for("bank.edit_account", account_id=item.id))
    flash(_("Tài khoản này là tài khoản chính của quỹ."), "info")
    return redirect(url)


@bp.route("/accounts/<int:account_id>/close", methods=["POST"])
@permission_required(WRITE)
def close_account(account_id: int):
    """Close the account on a date."""
    item = _account(account_id)
    fund = get_unit(get_session(), item.unit_id)
    form = CloseAccountForm()
    context = {"fund": fund, "account": item, "primary_form": PrimaryForm()}
    edit = BankAccountForm(obj=item)
    if not form.validate_on_submit():
        return render_template("bank/edit.html", form=edit, close_form=form, **context), 400
    try:
        url = run_once(
            form,
            lambda session: accounts.close_account(
                session,
                account=session.get(BankAccount, item.id),
                on=form.closed_on.data,
                user_id=current_user.id,
            ),
            url=url_for("bank.account", account_id=item.id),
        )
    except LedgerError as error:
        form.fresh_key()
        form.closed_on.errors = [error_message(error)]
        return render_template("bank/edit.html", form=edit, close_form=form, **context), 400
    return redirect(url)


# ---------------------------------------------------------------------------- import


def _folder() -> Path:
    path = Path(current_app.instance_path) / "uploads-bank" / str(current_user.id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(folder: Path) -> None:
    oldest = time.time() - current_app.config["UPLOAD_MAX_AGE_MINUTES"] * 60
    files = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    for index, path in enumerate(files):
        try:
            if index >= KEPT_PER_USER or path.stat().st_mtime < oldest:
                path.unlink()
        except OSError:
            pass


def _extension(filename: str) -> str:
    name = filename.lower()
    return next((ext for ext in ("csv", "xls") if name.endswith("." + ext)), "xlsx")


def _kept(token: str) -> Path:
    if not _TOKEN.match(token or ""):
        abort(400)
    return _folder() / token


def _writable(item: BankAccount) -> None:
    if item.closed_on is not None:
        flash(_("Tài khoản đã đóng; không nhập sao kê vào tài khoản đã đóng."), "error")
        abort(redirect(url_for("bank.account", account_id=item.id)))


@bp.route("/accounts/<int:account_id>/import", methods=["GET", "POST"])
@permission_required(WRITE)
def import_statement(account_id: int):
    """Upload a statement and see what it would add; ``?token=`` shows a kept file again."""
    item = _account(account_id)
    _writable(item)
    fund = get_unit(get_session(), item.unit_id)
    form = StatementUploadForm()
    token = request.args.get("token", "")
    if token:
        path = _kept(token)
        if not path.exists():
            flash(_("Tệp đã hết hạn; hãy tải lên lại."), "error")
            return redirect(url_for("bank.import_statement", account_id=item.id))
        return _preview(item, fund, form, path.read_bytes(), token, request.args.get("name", ""))
    if not form.validate_on_submit():
        return render_template("bank/import.html", form=form, account=item, fund=fund)
    storage = form.file.data
    data = storage.read(8 * 1024 * 1024 + 1)
    filename = storage.filename or ""
    token = f"{hashlib.sha256(data).hexdigest()}.{_extension(filename)}"
    if filename.lower().endswith((".xlsx", ".xls", ".csv")) and data and len(data) <= 8 << 20:
        folder = _folder()
        (folder / token).write_bytes(data)
        _sweep(folder)
    return _preview(item, fund, form, data, token, filename, upload_name=filename)


def _preview(item, fund, form, data: bytes, token: str, name: str, upload_name: str = ""):
    """Read the file and show the preview (or the column mapping when the columns are not
    found, or the refusal when the file is not a statement)."""
    reading = upload_name or f"x.{token.rsplit('.', 1)[-1]}"
    try:
        preview = statements.preview_statement(
            get_session(), account=item, filename=reading, data=data
        )
    except statements.ColumnsNotFound as missing:
        mapping = ColumnMapForm(formdata=None, token=token)
        mapping.offer(missing.headers, _("(không có)"))
        return render_template(
            "bank/columns.html",
            account=item,
            fund=fund,
            form=mapping,
            missing=[str(FIELD_NAMES[m]) for m in missing.missing],
            header_row=missing.header_row,
            filename=name,
        )
    except LedgerError as error:
        _kept_path = _folder() / token
        _kept_path.unlink(missing_ok=True)
        flash(error_message(error), "error")
        return render_template("bank/import.html", form=form, account=item, fund=fund), 400
    return render_template(
        "bank/preview.html",
        account=item,
        fund=fund,
        preview=preview,
        statement=preview.statement,
        mismatches=[_mismatch_text(m) for m in preview.statement.mismatches],
        token=token,
        filename=name,
        confirm=StatementConfirmForm(),
        rows=PREVIEW_ROWS,
        layout=PRESETS[preview.statement.layout].label
        if preview.statement.layout in PRESETS
        else "",
    )


def _mismatch_text(mismatch) -> tuple[int, str]:
    params = {k: format_vnd(v) for k, v in mismatch.params.items()}
    return mismatch.row, _(mismatch.message) % params


@bp.route("/accounts/<int:account_id>/import/columns", methods=["POST"])
@permission_required(WRITE)
def map_columns(account_id: int):
    """Remember the columns picked for this account, then preview the kept file with them."""
    item = _account(account_id)
    form = ColumnMapForm()
    path = _kept(form.token.data or "")
    if not form.validate_on_submit():
        abort(400)
    try:
        run_once(
            form,
            lambda session: statements.save_column_map(
                session,
                account=session.get(BankAccount, item.id),
                mapping=form.mapping(),
                user_id=current_user.id,
            ),
            url=url_for("bank.account", account_id=item.id),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
    return redirect(url_for("bank.import_statement", account_id=item.id, token=path.name))


@bp.route("/accounts/<int:account_id>/import/confirm", methods=["POST"])
@permission_required(WRITE)
def confirm_import(account_id: int):
    """Store the previewed statement's new lines; the kept file is removed."""
    item = _account(account_id)
    _writable(item)
    form = StatementConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = _kept(form.token.data or "")
    if not path.exists():
        flash(_("Tệp đã hết hạn; hãy tải lên lại."), "error")
        return redirect(url_for("bank.import_statement", account_id=item.id))
    data, done = path.read_bytes(), dict[str, int]()
    filename = request.form.get("filename", "") or path.name

    def action(session):
        target = session.get(BankAccount, item.id)
        preview = statements.preview_statement(
            session, account=target, filename=path.name, data=data
        )
        stored = statements.import_statement(
            session,
            account=target,
            parsed=preview,
            filename=filename,
            file_hash=preview.file_hash,
            user_id=current_user.id,
        )
        done.update(new=stored.lines_new, read=stored.lines_read)
        return url_for("bank.account", account_id=item.id)

    try:
        url = run_once(form, action)
    except (LedgerError, statements.ColumnsNotFound) as error:
        message = error_message(error) if isinstance(error, LedgerError) else ""
        flash(message or _("Không đọc được sao kê; hãy tải lên lại."), "error")
        return redirect(url_for("bank.import_statement", account_id=item.id))
    path.unlink(missing_ok=True)
    if done:
        flash(
            _(
                "Đã ghi %(new)s dòng mới của sao kê (đọc %(read)s dòng).",
                new=done["new"],
                read=done["read"],
            ),
            "info",
        )
    return redirect(url)


@bp.route("/accounts/<int:account_id>/import/cancel", methods=["POST"])
@permission_required(WRITE)
def cancel_import(account_id: int):
    """Drop a previewed file without importing it."""
    item = _account(account_id)
    form = StatementConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    _kept(form.token.data or "").unlink(missing_ok=True)
    flash(_("Đã hủy; tệp đã được xóa khỏi máy chủ."), "info")
    return redirect(url_for("bank.account", account_id=item.id))
