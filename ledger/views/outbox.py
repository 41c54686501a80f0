"""The outbox (Hộp thư đi) for admins: what was sent to the users of their scope, what waits,
what failed and why; a failed message can be queued again."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..auth import permission_required, scope_members
from ..db import get_session
from ..forms import BaseForm
from ..services import outbox as service
from .common import run_once

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")


@bp.route("/")
@permission_required("manage_users")
def index():
    """The newest 200 messages to users in scope: status, attempts, error, times."""
    rows = service.outbox_rows(get_session(), scope_members())
    return render_template("admin/outbox.html", rows=rows, form=BaseForm())


@bp.route("/<int:message_id>/requeue", methods=["POST"])
@permission_required("manage_users")
def requeue(message_id: int):
    """Queue a failed message again (the next ``send-mail`` run sends it)."""
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)
    if service.message_in(get_session(), message_id, scope_members()) is None:
        abort(404)
    done = {}

    def action(session):
        done["ok"] = service.requeue(session, message_id)

    run_once(form, action, url=url_for("outbox.index"))
    if done.get("ok"):
        flash(_("Thư sẽ được gửi lại ở lần chạy send-mail tới."), "info")
    return redirect(url_for("outbox.index"))
