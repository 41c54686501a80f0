"""The signed-in user's second factor: switch it on with a QR code and a first code (the
recovery codes are shown once), see how many recovery codes are left, switch it off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session, get_write_session
from ..errors import LedgerError, SecondFactorWrong
from ..exports.qr import qr_svg_uncached
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


def grouped(secret: str) -> str:
    """The secret in groups of four, as authenticator apps accept it typed."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


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


def checked(action, *, purpose: str, user_id: int | None = None):
    """Run ``action(session)`` and commit; a wrong code rolls it back and is then counted
    toward the lock-out in a transaction of its own."""
    session = get_write_session()
    try:
        result = action(session)
    except LedgerError as error:
        session.rollback()
        count_if_wrong(error, purpose=purpose, user_id=user_id)
        raise
    session.commit()
    return result


def count_if_wrong(error: LedgerError, *, purpose: str, user_id: int | None = None) -> None:
    """After a refusal rolled back: count a wrong code (and audit it), committed."""
    if not isinstance(error, SecondFactorWrong):
        return
    session = get_write_session()
    service.record_failure(
        session, user_id=user_id or current_user.id, now=utcnow(), purpose=purpose
    )
    session.commit()
