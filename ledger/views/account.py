"""The signed-in user's own account: their API tokens, listed and revoked."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..errors import NotFound
from ..forms import BaseForm
from ..services import tokens as service
from .common import run_once

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
