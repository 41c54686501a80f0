"""The audit log: who did what, when, before and after (admins and auditors), on screen and
as .xlsx, in the user's language."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from ..audit_text import ACTIONS, describe
from ..auth import permission_required, require_scope, scope_members
from ..dates import format_date
from ..db import get_session
from ..exports.audit import audit_csv, audit_workbook
from ..filter_forms import AuditFilterForm
from ..services.audit_view import (
    EXPORT_LIMIT,
    AuditFilter,
    audit_events,
    events_for_export,
    load_names,
)
from ..services.paging import parse_cursor
from ..services.units import top_levels
from ..services.users import users_in
from .common import arg_int, read_filters, send_csv

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 100
#: at most this many units (and users) in a filter's list
MAX_CHOICES = 500


@bp.route("/")
@permission_required("audit_log")
def index():
    """Events of units in scope, newest first, filtered."""
    session, flt = get_session(), _filter_from_args()
    found = audit_events(
        session,
        unit_ids=scope_members(),
        flt=flt,
        page=arg_int("page", 1) or 1,
        per_page=PAGE,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=False
        ),
    )
    names = load_names(session, found.rows, viewer_unit_id=current_user.unit_id)
    return render_template(
        "audit/index.html",
        rows=[describe(event, names) for event in found.rows],
        pager=found,
        args=request.args,
        actions=ACTIONS,
        export_limit=EXPORT_LIMIT,
        **_choices(),
    )


@bp.route("/audit.xlsx")
@permission_required("audit_log")
def download():
    """The same rows as the screen, every page of them up to ``EXPORT_LIMIT``."""
    return send_file(
        io.BytesIO(audit_workbook(**_export_parts())),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"nhat-ky-kiem-toan-{date.today():%Y%m%d}.xlsx",
    )


@bp.route("/audit.csv")
@permission_required("audit_log")
def download_csv():
    """The same rows as CSV, the workbook's cells."""
    return send_csv(audit_csv(**_export_parts()), f"nhat-ky-kiem-toan-{date.today():%Y%m%d}.csv")


def _export_parts() -> dict:
    """The title, the filter lines, the headers and the rows of the export."""
    session, flt = get_session(), _filter_from_args()
    events, more = events_for_export(session, unit_ids=scope_members(), flt=flt)
    names = load_names(session, events, viewer_unit_id=current_user.unit_id)
    rows = [describe(event, names) for event in events]
    return {
        "title": _("NHẬT KÝ KIỂM TOÁN"),
        "lines": _header_lines(flt, more),
        "headers": _headers(),
        "rows": [(r.at, r.user, r.unit, r.action, r.subject, "\n".join(r.changes)) for r in rows],
        "sheet_name": _("Nhật ký"),
    }


def _filter_from_args() -> AuditFilter:
    """The filters in the URL; a unit outside the user's scope is not found (404), as in the
    other lists."""
    form = read_filters(AuditFilterForm())
    if form.unit.data is not None:
        require_scope(form.unit.data)
    return AuditFilter(
        user_id=form.user.data,
        unit_id=form.unit.data,
        action=form.action.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _choices() -> dict:
    """The units and users in scope the filters offer (a province's or the nation's list of
    units stops at the levels that fit in ``MAX_CHOICES``; ``?unit=`` still takes any unit)."""
    session = get_session()
    return {
        "units": top_levels(session, scope_members(), limit=MAX_CHOICES),
        "users": [user for user, _unit in users_in(session, scope_members())][:MAX_CHOICES],
    }


def _headers() -> list[str]:
    return [
        _("Thời gian (giờ Việt Nam)"),
        _("Người thực hiện"),
        _("Đơn vị"),
        _("Thao tác"),
        _("Chứng từ / đối tượng"),
        _("Nội dung thay đổi"),
    ]


def _header_lines(flt: AuditFilter, more: bool) -> list[str]:
    """What the download covers: who made it, the filters, and a warning when cut short."""
    lines = [
        _(
            "Người tải: %(user)s, ngày %(day)s",
            user=current_user.username,
            day=format_date(date.today()),
        )
    ]
    if flt.date_from or flt.date_to:
        lines.append(
            _(
                "Từ ngày %(start)s đến ngày %(end)s",
                start=format_date(flt.date_from) or "…",
                end=format_date(flt.date_to) or "…",
            )
        )
    if flt.action:
        lines.append(_("Thao tác: %(action)s", action=str(ACTIONS[flt.action])))
    if more:
        lines.append(
            _(
                "Chỉ có %(count)s sự kiện mới nhất; lọc hẹp hơn (theo ngày) để tải các sự kiện cũ hơn.",
                count=EXPORT_LIMIT,
            )
        )
    return lines
