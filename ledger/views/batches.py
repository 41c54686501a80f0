"""Batch entry (nhập theo lô): the header with its control totals, a grid of envelopes, the
batch's page with all its vouchers in one PDF, and the batches of a fund."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required
from ..db import get_session
from ..errors import BatchRefused, BatchRowInvalid, LedgerError
from ..exports.vouchers import receipt_voucher, vouchers_pdf
from ..forms_batches import BatchForm
from ..i18n import error_message
from ..models import ReceiptBatch, Unit, User
from ..services import batches as service
from ..services.donors import ANONYMOUS_NAME, hidden_payers
from ..services.idempotency import fingerprint
from ..services.paging import parse_cursor
from ..services.settings import voucher_settings
from ..services.units import subtree_ids, subtree_scope, unit_rows
from .common import arg_int, get_in_scope, page_unit, refused, run_once

bp = Blueprint("batches", __name__, url_prefix="/receipts/batches")

#: rows a grid never grows past, whatever a request sends
GRID_LIMIT = service.MAX_ROWS + 100
#: the grid's columns: the request's list name → the row's attribute
ROW_FIELDS = {
    "row_name": "payer_name",
    "row_amount": "amount",
    "row_address": "address",
    "row_reason": "reason",
}


@bp.route("/")
@login_required
def index():
    """The batches of a fund and the units under it, newest first."""
    session, fund = get_session(), page_unit()
    page = service.list_batches(
        session,
        unit_ids=subtree_scope(session, fund.id),
        page=arg_int("page", 1) or 1,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=True
        ),
    )
    return render_template(
        "batches/index.html",
        fund=fund,
        pager=page,
        figures=service.batch_figures(session, [b.id for b in page.rows]),
        args=request.args,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("write_receipts")
def new():
    """The header first (count and total), then the grid; posts only when both match."""
    fund = page_unit()
    form = BatchForm()
    form.credit_unit_id.choices = _credit_choices(fund)
    lines = _lines()
    if request.method == "GET":
        form.receipt_date.data = date.today()
        form.credit_unit_id.data = fund.id
        return _page(form, fund, lines)
    if not form.validate_on_submit() or request.form.get("step") != "post":
        return _page(form, fund, lines)
    form.rows_digest.data = fingerprint({"rows": [vars(line) for line in lines]})
    try:
        url = run_once(form, lambda s: _post(s, fund, form, lines))
    except BatchRefused as error:
        form.fresh_key()
        return _page(form, fund, lines, refusal=error), 400
    except LedgerError as error:
        return refused(
            error, form, "batches/new.html", fund=fund, bad_rows=set(), **_grid(form, lines)
        )
    flash(_("Đã ghi lô phiếu thu."), "info")
    return redirect(url)


def _lines() -> list[service.BatchLine]:
    """The grid's rows as the request sends them (each column a list, in row order)."""
    columns = {attr: request.form.getlist(name)[:GRID_LIMIT] for name, attr in ROW_FIELDS.items()}
    count = max((len(v) for v in columns.values()), default=0)
    return [
        service.BatchLine(
            **{attr: (values[i] if i < len(values) else "") for attr, values in columns.items()}
        )
        for i in range(count)
    ]


def _grid(form: BatchForm, lines: list[service.BatchLine]) -> dict:
    """The rows to show: every row sent, and blank ones up to the expected count."""
    expected = form.expected_count.data if isinstance(form.expected_count.data, int) else 0
    wanted = min(max(expected, len(lines)), GRID_LIMIT)
    return {"lines": lines + [service.BatchLine() for _ in range(wanted - len(lines))]}


def _page(form, fund: Unit, lines, refusal: BatchRefused | None = None):
    bad_rows = set()
    messages = []
    if refusal is not None:
        messages = [error_message(p) for p in refusal.problems]
        bad_rows = {p.params["row"] for p in refusal.problems if isinstance(p, BatchRowInvalid)}
    return render_template(
        "batches/new.html",
        form=form,
        fund=fund,
        refusal=refusal and error_message(refusal),
        problems=messages,
        bad_rows=bad_rows,
        **_grid(form, lines),
    )


def _credit_choices(fund: Unit) -> list[tuple[int, str]]:
    session = get_session()
    return [(u.id, u.name) for u in unit_rows(session, subtree_ids(session, fund.id))]


def _post(session, fund: Unit, form: BatchForm, lines) -> str:
    header = service.BatchHeader(
        name=form.name.data,
        receipt_date=form.receipt_date.data,
        expected_count=form.expected_count.data,
        expected_total=form.expected_total.data,
        method=form.method.data,
        source=form.source.data,
        credit_unit_id=form.credit_unit_id.data,
        book_no=form.book_no.data,
    )
    batch = service.post_batch(
        session, unit_id=fund.id, header=header, lines=lines, user_id=current_user.id
    )
    return url_for("batches.show", batch_id=batch.id)


@bp.route("/<int:batch_id>")
@login_required
def show(batch_id: int):
    """A batch: its receipts with numbers, payers and amounts, and their total."""
    batch = get_in_scope(ReceiptBatch, batch_id)
    session = get_session()
    receipts = service.batch_receipts(session, batch.id)
    return render_template(
        "batches/show.html",
        hidden=hidden_payers(session, receipts, viewer_unit_id=current_user.unit_id),
        anonymous_name=ANONYMOUS_NAME,
        batch=batch,
        fund=session.get(Unit, batch.unit_id),
        credit_unit=session.get(Unit, batch.credit_unit_id),
        entered_by=session.get(User, batch.created_by_id) if batch.created_by_id else None,
        receipts=receipts,
        figures=service.batch_figures(session, [batch.id]).get(batch.id),
    )


@bp.route("/<int:batch_id>/vouchers.pdf")
@login_required
def print_all(batch_id: int):
    """Every voucher of the batch, one A5 page each, in one PDF to print."""
    batch = get_in_scope(ReceiptBatch, batch_id)
    session = get_session()
    fund = session.get_one(Unit, batch.unit_id)
    settings = voucher_settings(session, batch.receipt_date)
    units = {u.id: u for u in unit_rows(session, {batch.credit_unit_id, fund.id})}
    receipts = service.batch_receipts(session, batch.id)
    hidden = hidden_payers(session, receipts, viewer_unit_id=current_user.unit_id)
    data = vouchers_pdf(
        receipt_voucher(
            r,
            fund=fund,
            settings=settings,
            credit_unit=units.get(r.credit_unit_id),
            payer_hidden=r.id in hidden,
        )
        for r in receipts
    )
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"phieu-thu-lo-{batch.id}.pdf",
    )
