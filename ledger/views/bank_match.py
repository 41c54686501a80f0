"""Matching a bank account's statement lines to the books (issue #16): suggestions to confirm
or turn down, matches by hand, undo, and the documents made from lines the books lack.

Treasurers (and admins) of a fund in scope act; reviewers and auditors read. Another fund's
account, or a line of another account, is a 404.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import col, select

from ..auth import permission_required, require_scope
from ..db import get_session
from ..errors import LedgerError
from ..forms import ReceiptForm
from ..forms_bank_match import (
    ActionForm,
    LinePayoutForm,
    ManualForm,
    MatchFilterForm,
    PairForm,
    parse_ids,
)
from ..i18n import category_label, error_message
from ..models import BankAccount, Category, StatementLine
from ..services import bank_book as book
from ..services import bank_drafts as drafts
from ..services import bank_matching as matching
from ..services import bank_suggestions as suggest
from ..services.disbursements import DisbursementInput
from ..services.donors import create_donor, find_or_create_donor
from ..services.paging import Page
from ..services.receipts import ReceiptInput
from ..services.units import get_unit, subtree_ids, unit_rows
from ..text import parse_digits
from ..vocab import MatchKind
from .common import arg_int, read_filters, refused, run_once

bp = Blueprint("bank_match", __name__, url_prefix="/bank/accounts")

#: lines per page
PER_PAGE = 30
#: entries "in the books, not in the bank" shown at most
BOOK_ROWS = 200


def _account(account_id: int) -> BankAccount:
    """The account if its fund is in the user's scope, else 404."""
    account = get_session().get(BankAccount, account_id)
    if account is None:
        abort(404)
    require_scope(account.unit_id)
    return account


def _line(account: BankAccount, line_id: int) -> StatementLine:
    line = get_session().get(StatementLine, line_id)
    if line is None or line.bank_account_id != account.id:
        abort(404)
    return line


def _back(account: BankAccount):
    return redirect(url_for("bank_match.lines", account_id=account.id, **_kept_args()))


def _kept_args() -> dict:
    keep = ("date_from", "date_to", "direction", "state", "page")
    return {k: request.args[k] for k in keep if request.args.get(k)}


@bp.route("/<int:account_id>/match")
@login_required
def lines(account_id: int):
    """Unmatched lines with their suggestions (or matched lines), and entries the bank lacks."""
    session, account = get_session(), _account(account_id)
    flt = read_filters(MatchFilterForm())
    state = flt.state.data or "unmatched"
    page_no = arg_int("page", 1) or 1
    context = {"account": account, "fund": get_unit(session, account.unit_id), "flt": flt}
    if state == "matched":
        pairs = _matched(session, account, flt)
        pager = _page(pairs, page_no)
        views = matching.matches_of(session, account, {m for m, _id in pager.rows})
        by_id = {v.match.id: v for v in views}
        shown = dict.fromkeys(m for m, _id in pager.rows)
        context["matches"] = [by_id[m] for m in shown if m in by_id]
    else:
        pager = _page(_unmatched(session, account, flt), page_no)
        rows = pager.rows
        found = suggest.pool(session, account, around=rows) if rows else None
        context["items"] = [
            (
                line,
                suggest.suggestions_for(line, found) if found else [],
                drafts.line_offers(session, account, line),
            )
            for line in rows
        ]
    context["books_only"] = _books_only(session, account, flt)
    return render_template(
        "bank/match.html",
        state=state,
        pager=pager,
        args=request.args,
        pair_form=PairForm(),
        action_form=ActionForm(),
        **context,
    )


def _page(rows: list, number: int) -> Page:
    """One page of an in-memory list (a statement's lines are few: a month has hundreds)."""
    part = rows[(number - 1) * PER_PAGE : number * PER_PAGE]
    return Page(
        rows=part, newer=None, older=None, count=len(rows), number=number, per_page=PER_PAGE
    )


def _unmatched(session, account: BankAccount, flt: MatchFilterForm) -> list[StatementLine]:
    found = book.unmatched_lines(
        session, account, date_from=flt.date_from.data, date_to=flt.date_to.data
    )
    return [line for line in found if _direction(line.amount, flt.direction.data)]


def _matched(session, account: BankAccount, flt: MatchFilterForm) -> list[tuple[int, int]]:
    """(match id, line id) of matched lines in the filter, oldest first."""
    return [
        (match_id, line.id)
        for match_id, line in book.matched_lines(
            session, account, date_from=flt.date_from.data, date_to=flt.date_to.data
        )
        if _direction(line.amount, flt.direction.data)
    ]


def _direction(amount: int, wanted: str) -> bool:
    return not wanted or (amount > 0) == (wanted == "credit")


def _books_only(session, account: BankAccount, flt: MatchFilterForm):
    movements = book.bank_movements(
        session,
        account,
        date_from=flt.date_from.data,
        date_to=flt.date_to.data,
        unmatched_only=True,
    )
    movements = [m for m in movements if _direction(m.amount, flt.direction.data)]
    return movements[-BOOK_ROWS:], len(movements)


def _ids_or_refuse(form: PairForm) -> tuple[list[int], list[int]] | None:
    line_ids, entry_ids = parse_ids(form.line_ids.data), parse_ids(form.entry_ids.data)
    if line_ids is None or entry_ids is None:
        flash(_("Chọn ít nhất một dòng sao kê và một bút toán."), "error")
        return None
    return line_ids, entry_ids


def _act(account: BankAccount, form, action, done: str):
    """Run a button's action once; a refusal is flashed on the list (nothing changed)."""
    if not form.validate_on_submit():
        flash(_("Biểu mẫu đã hết hạn; hãy thử lại."), "error")
        return _back(account)
    try:
        run_once(form, action, url=url_for("bank_match.lines", account_id=account.id))
    except LedgerError as error:
        flash(error_message(error), "error")
        return _back(account)
    if done:
        flash(done, "info")
    return _back(account)


@bp.route("/<int:account_id>/match/confirm", methods=["POST"])
@permission_required("write_receipts")
def confirm(account_id: int):
    """Confirm a suggestion: its lines and entries become one match."""
    account, form = _account(account_id), PairForm()
    ids = _ids_or_refuse(form)
    if ids is None:
        return _back(account)
    return _act(
        account,
        form,
        lambda s: matching.confirm_match(
            s,
            account=account,
            line_ids=ids[0],
            entry_ids=ids[1],
            kind=MatchKind.SUGGESTED,
            reason=form.reason.data or "",
            user_id=current_user.id,
        ),
        _("Đã khớp."),
    )


@bp.route("/<int:account_id>/match/reject", methods=["POST"])
@permission_required("write_receipts")
def reject(account_id: int):
    """Turn a suggestion down: it is not offered again."""
    account, form = _account(account_id), PairForm()
    ids = _ids_or_refuse(form)
    if ids is None:
        return _back(account)
    return _act(
        account,
        form,
        lambda s: matching.reject_suggestion(
            s, account=account, line_ids=ids[0], entry_ids=ids[1], user_id=current_user.id
        ),
        _("Đã bỏ gợi ý; gợi ý này sẽ không hiện lại."),
    )


@bp.route("/<int:account_id>/match/auto", methods=["POST"])
@permission_required("write_receipts")
def auto(account_id: int):
    """Confirm every suggestion nobody could dispute; say how many."""
    account, form = _account(account_id), ActionForm()
    counted: list[int] = []

    def action(session):
        counted.append(matching.auto_match(session, account, user_id=current_user.id))

    response = _act(account, form, action, "")
    if counted:
        flash(_("Đã tự động khớp %(count)s dòng.", count=counted[0]), "info")
    return response


@bp.route("/<int:account_id>/match/<int:match_id>/undo", methods=["POST"])
@permission_required("write_receipts")
def undo(account_id: int, match_id: int):
    """Bỏ khớp: the match's lines and entries are unmatched again."""
    account = _account(account_id)
    return _act(
        account,
        ActionForm(),
        lambda s: matching.unmatch(s, account=account, match_id=match_id, user_id=current_user.id),
        _("Đã bỏ khớp."),
    )


@bp.route("/<int:account_id>/match/manual", methods=["GET", "POST"])
@login_required
def manual(account_id: int):
    """Match by hand: tick lines and entries; "Kiểm tra" shows both sums and the difference,
    "Khớp" confirms when they agree."""
    session, account = get_session(), _account(account_id)
    form = ManualForm()
    picked_lines = _picked("line")
    picked_entries = _picked("entry")
    first, last = _manual_range(session, account, picked_lines)
    candidates = book.unmatched_lines(session, account, date_from=first, date_to=last)
    entries = book.bank_movements(
        session, account, date_from=first, date_to=last, unmatched_only=True
    )
    chosen_lines = [line for line in candidates if line.id in picked_lines]
    chosen_entries = [m for m in entries if m.entry_id in picked_entries]
    line_sum = sum(line.amount for line in chosen_lines)
    entry_sum = sum(m.amount for m in chosen_entries)
    if request.method == "POST" and "confirm" in request.form:
        if not current_user.can("write_receipts"):
            abort(403)
        if form.validate_on_submit():
            try:
                url = run_once(
                    form,
                    lambda s: _manual_match(s, account, picked_lines, picked_entries),
                )
            except LedgerError as error:
                flash(error_message(error), "error")
                form.fresh_key()
            else:
                flash(_("Đã khớp."), "info")
                return redirect(url)
    return render_template(
        "bank/match_manual.html",
        account=account,
        form=form,
        lines=candidates,
        entries=entries,
        picked_lines=set(picked_lines),
        picked_entries=set(picked_entries),
        line_sum=line_sum,
        entry_sum=entry_sum,
        flt=read_filters(MatchFilterForm(), tell=False),
    )


def _manual_range(session, account: BankAccount, picked_lines: list[int]) -> tuple[date, date]:
    """The dates the manual match offers: ``?date_from=&date_to=`` when given, else 15 days
    either side of the first ticked line (or of the oldest unmatched line)."""
    flt = read_filters(MatchFilterForm())
    if picked_lines:
        day = _line(account, picked_lines[0]).line_date
    else:
        waiting = book.unmatched_lines(session, account)
        day = waiting[0].line_date if waiting else date.today()
    window = timedelta(days=15)
    return flt.date_from.data or day - window, flt.date_to.data or day + window


def _picked(name: str) -> list[int]:
    values = request.form.getlist(name) if request.method == "POST" else request.args.getlist(name)
    found = [parse_digits(v) for v in values[:50]]
    return [v for v in found if v is not None]


def _manual_match(session, account: BankAccount, line_ids, entry_ids) -> str:
    matching.confirm_match(
        session,
        account=account,
        line_ids=line_ids,
        entry_ids=entry_ids,
        kind=MatchKind.MANUAL,
        reason="Khớp thủ công",
        user_id=current_user.id,
    )
    return url_for("bank_match.lines", account_id=account.id)


# --- documents from lines ---------------------------------------------------------------


@bp.route("/<int:account_id>/lines/<int:line_id>/receipt", methods=["GET", "POST"])
@permission_required("write_receipts")
def receipt(account_id: int, line_id: int):
    """Lập phiếu thu: the receipt form filled from a credit line; saved, it is matched."""
    session, account = get_session(), _account(account_id)
    line = _line(account, line_id)
    if request.method == "GET" and book.matched_line_ids(session, [line.id]):
        flash(_("Dòng sao kê này đã được khớp với sổ sách."), "error")
        return _back(account)
    try:
        prefill = drafts.receipt_prefill(session, account, line)
    except LedgerError as error:
        flash(error_message(error), "error")
        return _back(account)
    fund = get_unit(session, account.unit_id)
    form = ReceiptForm()
    form.credit_unit_id.choices = [
        (u.id, u.name) for u in unit_rows(session, subtree_ids(session, fund.id))
    ]
    if request.method == "GET":
        _fill_receipt(form, prefill)
    context = {"account": account, "line": line, "fund": fund, "prefill": prefill}
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _record(s, account, line, form, prefill))
        except LedgerError as error:
            return refused(error, form, "bank/match_receipt_new.html", **context)
        flash(_("Đã ghi phiếu thu và khớp với dòng sao kê."), "info")
        return redirect(url)
    return render_template("bank/match_receipt_new.html", form=form, **context)


def _fill_receipt(form: ReceiptForm, prefill) -> None:
    form.receipt_date.data = prefill.receipt_date
    form.amount.data = prefill.amount
    form.method.data = prefill.method
    form.source.data = prefill.source
    form.payer_name.data = prefill.payer_name
    form.credit_unit_id.data = prefill.credit_unit_id
    form.reason.data = prefill.reason


def _record(session, account: BankAccount, line: StatementLine, form: ReceiptForm, prefill):
    donor_id = None
    if (form.payer_name.data or "").strip() and not form.anonymous.data:
        # the sender who gave last month is the same donor, not a new one each statement
        donor_id = find_or_create_donor(
            session,
            unit_id=account.unit_id,
            name=form.payer_name.data,
            kind=form.donor_kind.data,
        ).id
    elif form.anonymous.data:
        donor_id = create_donor(
            session,
            unit_id=account.unit_id,
            name=form.payer_name.data,
            kind=form.donor_kind.data,
            address=form.payer_address.data,
            anonymous=form.anonymous.data,
        ).id
    data = ReceiptInput(
        receipt_date=form.receipt_date.data,
        amount=form.amount.data,
        method="bank",
        source=form.source.data,
        donor_id=donor_id,
        payer_name=form.payer_name.data,
        payer_address=form.payer_address.data,
        credit_unit_id=form.credit_unit_id.data,
        purpose=prefill.purpose,
        reason=form.reason.data,
        note=form.note.data,
        attachments=form.attachments.data or 0,
        reference=prefill.reference,
        book_no=form.book_no.data,
    )
    made = drafts.record_receipt_for_line(
        session, account=account, line_id=line.id, data=data, user_id=current_user.id
    )
    return url_for("receipts.show", receipt_id=made.id)


@bp.route("/<int:account_id>/lines/<int:line_id>/qr", methods=["GET", "POST"])
@permission_required("write_receipts")
def qr_receipt(account_id: int, line_id: int):
    """Ghi phiếu thu: a donation carrying the fund's QR code, recorded as parsed after one
    confirmation."""
    session, account = get_session(), _account(account_id)
    line = _line(account, line_id)
    qr = drafts.qr_donation(session, account, line.description) if line.amount > 0 else None
    if qr is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            url = run_once(
                form,
                lambda s: url_for(
                    "receipts.show",
                    receipt_id=drafts.record_qr_donation(
                        s, account=account, line_id=line.id, user_id=current_user.id
                    ).id,
                ),
            )
        except LedgerError as error:
            flash(error_message(error), "error")
            return _back(account)
        flash(_("Đã ghi phiếu thu và khớp với dòng sao kê."), "info")
        return redirect(url)
    return render_template(
        "bank/match_confirm.html",
        account=account,
        line=line,
        form=form,
        what="qr",
        prefill=drafts.receipt_prefill(session, account, line),
        qr=qr,
        credit_unit=get_unit(session, qr.credit_unit_id),
    )


@bp.route("/<int:account_id>/lines/<int:line_id>/fee", methods=["GET", "POST"])
@permission_required("write_receipts")
def fee(account_id: int, line_id: int):
    """Ghi phí ngân hàng: after a confirm page, post the fee and match it to the line."""
    session, account = get_session(), _account(account_id)
    line = _line(account, line_id)
    if line.amount >= 0:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            run_once(
                form,
                lambda s: drafts.post_bank_fee(
                    s, account=account, line_id=line.id, user_id=current_user.id
                ),
                url=url_for("bank_match.lines", account_id=account.id),
            )
        except LedgerError as error:
            flash(error_message(error), "error")
            return _back(account)
        flash(_("Đã ghi phí ngân hàng và khớp với dòng sao kê."), "info")
        return _back(account)
    category = session.exec(select(Category).where(Category.code == drafts.FEE_CATEGORY)).first()
    return render_template(
        "bank/match_confirm.html",
        account=account,
        line=line,
        form=form,
        what="fee",
        category_name=category.name_vi if category else drafts.FEE_CATEGORY,
    )


@bp.route("/<int:account_id>/lines/<int:line_id>/payout", methods=["GET", "POST"])
@permission_required("write_receipts")
def payout(account_id: int, line_id: int):
    """Lập phiếu chi (nháp): a draft payout by bank from a debit line; approval as usual."""
    session, account = get_session(), _account(account_id)
    line = _line(account, line_id)
    if line.amount >= 0:
        abort(404)
    form = LinePayoutForm()
    categories = list(session.exec(select(Category).where(col(Category.active))).all())
    form.category_id.choices = [(c.id, category_label(c)) for c in categories]
    if request.method == "GET":
        prefill = drafts.disbursement_prefill(line, categories[0].id if categories else 0)
        form.disbursement_date.data = prefill.disbursement_date
        form.amount.data = prefill.amount
        form.payee_name.data = prefill.payee_name
        form.reason.data = prefill.reason
    context = {"account": account, "line": line}
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _draft(s, account, line, form))
        except LedgerError as error:
            return refused(error, form, "bank/match_payout_new.html", **context)
        flash(_("Đã lập phiếu chi (chờ duyệt); khi chi xong, khớp với dòng sao kê."), "info")
        return redirect(url)
    return render_template("bank/match_payout_new.html", form=form, **context)


def _draft(session, account: BankAccount, line: StatementLine, form: LinePayoutForm) -> str:
    item = drafts.draft_payout_for_line(
        session,
        account=account,
        line_id=line.id,
        data=DisbursementInput(
            disbursement_date=form.disbursement_date.data,
            category_id=form.category_id.data,
            payee_name=form.payee_name.data,
            amount=form.amount.data,
            reason=form.reason.data,
            method="bank",
        ),
        user_id=current_user.id,
    )
    return url_for("disbursements.show", disbursement_id=item.id)
