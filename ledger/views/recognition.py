"""Recognition of donors: a thank-you letter and a certificate per gift (from the receipt's
page), and a thank-you letter per donor and year, each as an A4 PDF."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, send_file
from flask_login import current_user, login_required

from ..auth import require_scope, scope_members
from ..db import get_session
from ..exports.letters import certificate, gift_letter, letter_pdf, year_letter
from ..models import Donor, Receipt, Unit
from ..services.recognition import donor_name, letter_gift, year_gifts
from ..services.settings import voucher_settings
from .common import arg_int, get_in_scope

bp = Blueprint("recognition", __name__)


def _pdf(data: bytes, name: str):
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


def _gift(receipt_id: int):
    session = get_session()
    receipt = get_in_scope(Receipt, receipt_id)
    donor = letter_gift(session, receipt, viewer_unit_id=current_user.unit_id)
    fund = session.get_one(Unit, receipt.unit_id)
    return session, receipt, donor, fund


@bp.route("/receipts/<int:receipt_id>/thank-you.pdf")
@login_required
def gift_thank_you(receipt_id: int):
    """Thư cảm ơn for one gift (none for a voided gift; an anonymous donor's only in its fund)."""
    session, receipt, donor, fund = _gift(receipt_id)
    letter = gift_letter(
        receipt,
        donor=donor_name(receipt, donor),
        fund=fund,
        settings=voucher_settings(session, receipt.receipt_date),
        today=date.today(),
    )
    return _pdf(letter_pdf(letter), f"thu-cam-on-{receipt.year}-{receipt.number:04d}.pdf")


@bp.route("/receipts/<int:receipt_id>/certificate.pdf")
@login_required
def gift_certificate(receipt_id: int):
    """Giấy chứng nhận ghi nhận đóng góp for one gift (same rules as the letter)."""
    session, receipt, donor, fund = _gift(receipt_id)
    letter = certificate(
        receipt,
        donor=donor_name(receipt, donor),
        address=receipt.payer_address or (donor.address if donor else ""),
        fund=fund,
        settings=voucher_settings(session, receipt.receipt_date),
        today=date.today(),
    )
    return _pdf(letter_pdf(letter), f"giay-chung-nhan-{receipt.year}-{receipt.number:04d}.pdf")


@bp.route("/donors/<int:donor_id>/thank-you")
@login_required
def donor_thank_you(donor_id: int):
    """Thư cảm ơn for a donor's gifts of ``?year=`` (this year by default) in the viewer's scope."""
    session = get_session()
    donor = get_in_scope(Donor, donor_id)
    year = arg_int("year", date.today().year)
    if not 2000 <= year <= date.today().year + 1:
        require_scope(None)  # a year no gift can have: not found
    gifts = year_gifts(
        session,
        donor,
        year=year,
        unit_ids=scope_members(),
        viewer_unit_id=current_user.unit_id,
    )
    fund = session.get_one(Unit, donor.unit_id)
    letter = year_letter(
        gifts,
        donor=donor.name,
        year=year,
        fund=fund,
        settings=voucher_settings(session, date(year, 12, 31)),
        today=date.today(),
    )
    return _pdf(letter_pdf(letter), f"thu-cam-on-{donor.id}-{year}.pdf")
