"""The audit log: who did what, when, before and after (admins and auditors)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..auth import permission_required, scope_ids
from ..db import get_session
from ..services.audit import audit_page
from .common import arg_int

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 100


@bp.route("/")
@permission_required("audit_log")
def index():
    """Events of units in scope, newest first."""
    session, page = get_session(), arg_int("page", 1) or 1
    rows, count = audit_page(session, unit_ids=scope_ids(), page=page, per_page=PAGE)
    return render_template(
        "audit/index.html", rows=rows, page=page, pages=max(1, -(-count // PAGE))
    )
