"""The audit log: who did what, when, before and after (admins and auditors)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, or_, select

from ..auth import permission_required, scope_ids
from ..db import get_session
from ..models import AuditEvent, User
from .common import arg_int

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 100


@bp.route("/")
@permission_required("audit_log")
def index():
    """Events of units in scope, newest first."""
    session, page = get_session(), arg_int("page", 1) or 1
    where = or_(AuditEvent.unit_id.in_(scope_ids()), AuditEvent.unit_id.is_(None))
    rows = session.exec(
        select(AuditEvent, User.username)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(where)
        .order_by(AuditEvent.id.desc())
        .limit(PAGE)
        .offset((page - 1) * PAGE)
    ).all()
    count = session.exec(select(func.count(AuditEvent.id)).where(where)).scalar_one()
    return render_template(
        "audit/index.html", rows=rows, page=page, pages=max(1, -(-count // PAGE))
    )
