"""Printing several vouchers at once (issue #18): a fund's receipts or payment vouchers of a
day, or a range of their numbers, as one PDF with two A5 vouchers on each A4 sheet."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, render_template, send_file
from flask_login import current_user, login_required

from ..db import get_session
from ..errors import LedgerError
from ..exports.voucher_sheets import vouchers_sheet_pdf
from ..exports.vouchers import Voucher, disbursement_voucher, receipt_voucher
from ..filter_forms import PrintVouchersForm
from ..models import Unit
from ..services.donors import hidden_payers
from ..services.evidence import file_counts
from ..services.settings import voucher_settings
from ..services.units import unit_rows
from ..services.voucher_prints import (
    MAX_PRINT,
    PrintChoice,
    payments_to_print,
    receipts_to_print,
)
from .common import page_unit, refused

bp = Blueprint("printing", __name__, url_prefix="/print")
TEMPLATE = "printing/vouchers.html"


@bp.route("/receipts")
@login_required
def receipts():
    """The receipt vouchers of a day or a range of numbers, two per A4 sheet."""
    return _print("receipts", _receipt_vouchers)


@bp.route("/disbursements")
@login_required
def disbursements():
    """The payment vouchers (phiếu chi) of a day or a range of numbers, two per A4 sheet."""
    return _print("disbursements", _payment_vouchers)


def _print(kind: str, vouchers):
    """The form; once asked, the PDF, or the form again with the reason nothing printed."""
    fund, form = page_unit(), PrintVouchersForm()
    context = {"fund": fund, "kind": kind, "limit": MAX_PRINT}
    if not form.asked():
        return render_template(TEMPLATE, form=form, **context)
    if not form.validate():
        return render_template(TEMPLATE, form=form, **context), 400
    choice = PrintChoice(
        fund_id=fund.id,
        day=form.day.data,
        year=form.year.data or date.today().year,
        first=form.first.data,
        last=form.last.data,
    )
    try:
        data = vouchers_sheet_pdf(vouchers(fund, choice))
    except LedgerError as error:
        return refused(error, form, TEMPLATE, **context)
    what = choice.day.strftime("%Y%m%d") if choice.day else f"{choice.year}-{choice.first or 1}"
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        download_name=f"{'phieu-thu' if kind == 'receipts' else 'phieu-chi'}-{what}.pdf",
    )


def _receipt_vouchers(fund: Unit, choice: PrintChoice) -> list[Voucher]:
    session = get_session()
    found = receipts_to_print(session, choice)
    hidden = hidden_payers(session, found, viewer_unit_id=current_user.unit_id)
    units = {u.id: u for u in unit_rows(session, {r.credit_unit_id for r in found})}
    settings = _settings_by_day({r.receipt_date for r in found})
    files = file_counts(session, "receipt", [r.id for r in found])
    return [
        receipt_voucher(
            r,
            fund=fund,
            settings=settings[r.receipt_date],
            credit_unit=units.get(r.credit_unit_id),
            payer_hidden=r.id in hidden,
            files=files.get(r.id, 0),
        )
        for r in found
    ]


def _payment_vouchers(fund: Unit, choice: PrintChoice) -> list[Voucher]:
    found = payments_to_print(get_session(), choice)
    settings = _settings_by_day({d.disbursement_date for d in found})
    files = file_counts(get_session(), "disbursement", [d.id for d in found])
    return [
        disbursement_voucher(
            d, fund=fund, settings=settings[d.disbursement_date], files=files.get(d.id, 0)
        )
        for d in found
    ]


def _settings_by_day(days: set[date]) -> dict[date, dict]:
    """The voucher settings (form codes, words) in force on each day printed."""
    return {day: voucher_settings(get_session(), day) for day in days}
