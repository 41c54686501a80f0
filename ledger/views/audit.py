"""The audit log: who did what, when, before and after (admins and auditors)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..auth import permission_required, scope_members
from ..db import get_session
from ..services.audit import audit_page
from ..services.paging import parse_cursor
from .common import arg_int

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 100


@bp.route("/")
@permission_required("audit_log")
def index():
    """Events of units in scope, newest first."""
    found = audit_page(
        get_session(),
        unit_ids=scope_members(),
        page=arg_int("page", 1) or 1,
        per_page=PAGE,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=False
        ),
    )
    return render_template("audit/index.html", rows=found.rows, pager=found, args=request.args)
