"""The signed-in user's own account: their API tokens, listed and revoked; their e-mail
settings (address, language, the weekly progress summary)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..errors import LedgerError, NotFound
from ..forms import BaseForm, MailSettingsForm
from ..models import User
from ..services import tokens as service
from ..services.mail_settings import set_mail_settings
from .common import refused, run_once

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/tokens")
@login_required
def tokens():
    """The user's API tokens: name, issued, expires, status; live ones can be revoked."""
    rows = service.list_tokens(get_session(), user_id=current_user.id)
    return render_template(
        "account/tokens.html", rows=rows, status=service.token_status, form=BaseForm()
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke a token: the owner's own, or (for an admin) one of a user in scope."""
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)
    owner = {}

    def action(session):
        try:
            owner["id"] = service.revoke_token(
                session, token_id=token_id, actor_id=current_user.id
            ).user_id
        except NotFound:
            abort(404)
        return _back(owner["id"])

    url = run_once(form, action)
    flash(_("Đã thu hồi khóa API."), "info")
    return redirect(url)


def _back(owner_id: int) -> str:
    if owner_id == current_user.id:
        return url_for("account.tokens")
    return url_for("admin.edit_user", user_id=owner_id)


@bp.route("/mail", methods=["GET", "POST"])
@login_required
def mail():
    """Where reminders and summaries go, in which language, and whether to get the summary."""
    form = MailSettingsForm(obj=get_session().get_one(User, current_user.id))
    if form.validate_on_submit():
        try:
            run_once(form, lambda db: _save_mail(db, form), url=url_for("account.mail"))
        except LedgerError as error:
            return refused(error, form, "account/mail_edit.html")
        session["lang"] = form.language.data
        with force_locale(form.language.data):  # said in the language just chosen
            flash(_("Đã lưu cài đặt e-mail."), "info")
        return redirect(url_for("account.mail"))
    return render_template("account/mail_edit.html", form=form)


def _save_mail(db_session, form: MailSettingsForm) -> None:
    set_mail_settings(
        db_session,
        user_id=current_user.id,
        actor_id=current_user.id,
        email=form.email.data,
        language=form.language.data,
        weekly_summary=form.weekly_summary.data,
    )
