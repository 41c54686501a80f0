"""The signed-in user's second factor: switch it on with a QR code and a first code (the
recovery codes are shown once), see how many recovery codes are left, switch it off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session, get_write_session
from ..errors import LedgerError
from ..exports.qr import qr_svg_uncached
from ..factor_web import checked, grouped
from ..forms import BaseForm, FactorCodeForm
from ..i18n import error_message
from ..models import SecondFactor, utcnow
from ..services import second_factor as service
from ..services.payout_factor import LIMIT_KEY
from ..services.settings import int_setting

bp = Blueprint("factor", __name__, url_prefix="/account/second-factor")


@bp.route("/")
@login_required
def index():
    """On: since when, recovery codes left, the switch-off form. Pending: the QR code, the
    secret as text and the confirming form. Off: the button that starts enrolment."""
    return render_template("account/second_factor.html", **_page())


def _page(db=None, **extra) -> dict:
    """What the page shows, read by ``db`` (the write session once it committed: the
    request's reading session still sees the database as it was before)."""
    db = db or get_session()
    factor = db.get(SecondFactor, current_user.id)
    pending = factor is not None and factor.confirmed_at is None
    uri = service.provisioning_uri(factor.secret, current_user.username) if pending else ""
    return {
        "factor": factor,
        "pending": pending,
        "qr": qr_svg_uncached(uri, title=_("Mã QR xác thực hai lớp")) if pending else "",
        "secret": grouped(factor.secret) if pending else "",
        "left": service.recovery_codes_left(db, current_user.id) if factor else 0,
        "limit": int_setting(db, LIMIT_KEY),
        "start_form": BaseForm(),
        "form": FactorCodeForm(),
        **extra,
    }


@bp.route("/start", methods=["POST"])
@login_required
def start():
    """Make the pending secret (kept while pending, so a reload shows the same QR code)."""
    form = BaseForm()
    if form.validate_on_submit():
        session = get_write_session()
        try:
            service.start_enrolment(session, user_id=current_user.id)
        except LedgerError as error:
            session.rollback()
            flash(error_message(error), "error")
        else:
            session.commit()
    return redirect(url_for("factor.index"))


@bp.route("/confirm", methods=["POST"])
@login_required
def confirm():
    """The first valid code switches the factor on; the recovery codes are shown this once."""
    form = FactorCodeForm()
    if not form.validate_on_submit():
        return _again(form, _("Hãy nhập mã 6 số đang hiện trong ứng dụng xác thực."))
    try:
        codes = checked(
            lambda s: service.confirm_enrolment(
                s, user_id=current_user.id, code=form.code.data, now=utcnow()
            ),
            purpose="enrol",
        )
    except LedgerError as error:
        return _again(form, error_message(error))
    flash(_("Đã bật xác thực hai lớp."), "info")
    page = _page(get_write_session(), recovery_codes=codes)
    return render_template("account/second_factor.html", **page)


@bp.route("/disable", methods=["POST"])
@login_required
def disable():
    """Switch the factor off with a valid code (or a recovery code)."""
    form = FactorCodeForm()
    if not form.validate_on_submit():
        return _again(form, _("Hãy nhập mã xác thực để tắt xác thực hai lớp."))
    try:
        checked(
            lambda s: service.disable(
                s, user_id=current_user.id, code=form.code.data, now=utcnow()
            ),
            purpose="disable",
        )
    except LedgerError as error:
        return _again(form, error_message(error))
    flash(_("Đã tắt xác thực hai lớp."), "info")
    return redirect(url_for("factor.index"))


def _again(form, message: str):
    flash(message, "error")
    form.code.data = ""
    return render_template("account/second_factor.html", **_page(form=form)), 400
