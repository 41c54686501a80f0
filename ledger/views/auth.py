"""Sign in and out."""

from __future__ import annotations

from typing import TypeGuard

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..auth import start_session
from ..db import get_write_session
from ..factor_web import begin_sign_in, needs_sign_in_factor
from ..forms import LoginForm
from ..security import log
from ..services.users import authenticate, end_sessions

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; one message for an unknown user, a wrong password or a lock-out."""
    form = LoginForm()
    if form.validate_on_submit():
        session = get_write_session()
        user = authenticate(
            session,
            username=form.username.data,
            password=form.password.data,
            max_failures=current_app.config["MAX_FAILED_LOGINS"],
            lockout_minutes=current_app.config["LOCKOUT_MINUTES"],
        )
        session.commit()
        if user is not None and needs_sign_in_factor(user):
            return redirect(begin_sign_in(user, _safe_next(request.args.get("next"))))
        if user is not None:
            start_session(user)
            log.info("login user=%s unit=%s", user.id, user.unit_id)
            _unit_notice(session, user.unit_id)
            return redirect(_safe_next(request.args.get("next")))
        flash(
            _("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang bị tạm khóa."), "error"
        )
    return render_template("auth/login.html", form=form)


def _unit_notice(session, unit_id: int) -> None:
    """Tell a user whose unit has closed (merged or split) where it went."""
    from datetime import date

    from ..services.reorganisation import successor_notice

    notice = successor_notice(session, unit_id=unit_id, today=date.today())
    if notice and notice["successors"]:
        flash(
            _(
                "Đơn vị %(unit)s đã kết thúc hoạt động từ sau ngày %(date)s và được sắp xếp "
                "vào: %(successors)s. Hãy đề nghị quản trị viên chuyển tài khoản sang đơn vị "
                "mới.",
                **notice,
            ),
            "warning",
        )
    elif notice:
        flash(
            _(
                "Đơn vị %(unit)s đã kết thúc hoạt động từ sau ngày %(date)s.",
                unit=notice["unit"],
                date=notice["date"],
            ),
            "warning",
        )


def _safe_next(target: str | None) -> str:
    """Only a same-site path; anything else goes home."""
    return target if is_same_site_path(target) else url_for("main.home")


def is_same_site_path(target: str | None) -> TypeGuard[str]:
    """True for ``/receipts/?page=2``; False for ``//evil``, ``/%09/evil``, ``/\\evil``,
    ``https://evil`` or anything holding whitespace or a control character."""
    from urllib.parse import urlsplit

    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.route("/logout", methods=["POST"])
def logout():
    """End this and every other session of the user (old cookies stop working)."""
    if current_user.is_authenticated:
        session = get_write_session()
        end_sessions(session, user_id=current_user.id)
        session.commit()
        logout_user()
    from flask import session as cookie

    lang = cookie.get("lang")
    cookie.clear()
    if lang:
        cookie["lang"] = lang
    flash(_("Đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))
