"""An admin's sign-in, second step: the password was right; the session starts only after a
valid code (or, for an admin who has none yet, after enrolling one here)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..auth import start_session
from ..db import get_session
from ..errors import LedgerError
from ..exports.qr import qr_svg_uncached
from ..factor_web import checked, forget_sign_in, grouped, pending_sign_in
from ..forms import FactorCodeForm
from ..i18n import error_message
from ..models import SecondFactor, User, utcnow
from ..security import log
from ..services import second_factor as service

bp = Blueprint("factor_signin", __name__, url_prefix="/auth/second-factor")


@bp.route("/", methods=["GET", "POST"])
def step():
    """The code form (or, not enrolled yet, the QR code, the secret and the code form)."""
    found = pending_sign_in()
    if found is None:
        forget_sign_in()
        flash(_("Hãy đăng nhập lại."), "error")
        return redirect(url_for("auth.login"))
    user, target = found
    form = FactorCodeForm()
    factor = get_session().get(SecondFactor, user.id)
    enrolling = factor is None or factor.confirmed_at is None
    if form.validate_on_submit():
        try:
            codes = checked(
                lambda s: _check(s, user, form.code.data, enrolling),
                purpose="sign_in",
                user_id=user.id,
            )
        except LedgerError as error:
            flash(error_message(error), "error")
            form.code.data = ""
            return render_template("auth/second_factor.html", **_page(user, factor, form)), 400
        start_session(user)
        log.info("login user=%s unit=%s second_factor=1", user.id, user.unit_id)
        if codes:
            flash(_("Đã bật xác thực hai lớp."), "info")
            return render_template("auth/recovery_codes.html", codes=codes, target=target)
        return redirect(target)
    return render_template("auth/second_factor.html", **_page(user, factor, form))


def _check(db, user: User, code: str, enrolling: bool) -> list[str]:
    if enrolling:
        return service.confirm_enrolment(db, user_id=user.id, code=code, now=utcnow())
    service.verify_code(db, user_id=user.id, code=code, now=utcnow(), purpose="sign_in")
    return []


def _page(user: User, factor: SecondFactor | None, form) -> dict:
    enrolling = factor is not None and factor.confirmed_at is None
    uri = service.provisioning_uri(factor.secret, user.username) if enrolling and factor else ""
    return {
        "form": form,
        "enrolling": enrolling,
        "qr": qr_svg_uncached(uri, title=_("Mã QR xác thực hai lớp")) if uri else "",
        "secret": grouped(factor.secret) if enrolling and factor else "",
    }
