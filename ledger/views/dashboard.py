"""Campaign dashboard, quota allocation, period reports, charts and the reconciliation workbook."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..auth import permission_required, scope_ids
from ..db import get_session, get_write_session
from ..errors import LedgerError
from ..exports import charts
from ..exports.reports import period_workbook
from ..fields import parse_date
from ..forms import BaseForm, ImportForm, UnmaskForm
from ..i18n import error_message
from ..models import Campaign, Entry, Quota, ReportPeriod, Unit
from ..security import log
from ..services import reports
from ..services.anchors import current_heads
from ..services.beneficiaries import unmask_workbook
from ..services.campaigns import quota_holder, report_periods
from ..services.progress import campaign_progress
from ..services.quotas import allocate, split_by_weights
from ..services.reconciliation import export_workbook
from ..services.seed import apply_quota_table
from ..services.units import children
from ..spreadsheets import read_table
from ..text import parse_digits
from .common import get_in_scope, refused, run_once

bp = Blueprint("dashboard", __name__, url_prefix="/campaigns")
SORTS = {
    "name": lambda r: r.name,
    "quota": lambda r: r.quota,
    "collected": lambda r: r.collected,
    "rate": lambda r: r.rate or 0,
    "difference": lambda r: r.difference,
    "disbursed": lambda r: r.disbursed,
    "balance": lambda r: r.balance,
    "last": lambda r: r.last_receipt or date.min,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _campaign(campaign_id: int) -> Campaign:
    return get_in_scope(Campaign, campaign_id)


def _visible(campaign_id: int) -> tuple[Campaign, int | None]:
    """The campaign and the unit whose figures the user sees: the whole campaign when its unit
    is in scope (focus None), the user's own unit when it holds a quota in a higher level's
    campaign; otherwise 404."""
    session = get_session()
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if campaign.unit_id in scope_ids():
        return campaign, None
    focus = quota_holder(session, campaign=campaign, unit_id=current_user.unit_id)
    if focus is None:
        abort(404)
    return campaign, focus


def _as_of(campaign: Campaign) -> date:
    return parse_date(request.args.get("as_of", "")) or min(date.today(), campaign.ends_on)


@bp.route("/<int:campaign_id>")
@login_required
def show(campaign_id: int):
    """Target, quotas, headroom, collected, spending and the child units' table."""
    session, (campaign, focus) = get_session(), _visible(campaign_id)
    as_of = _as_of(campaign)
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=as_of, focus_id=focus)
    key = request.args.get("sort", "name")
    rows = sorted(
        progress.rows, key=SORTS.get(key, SORTS["name"]), reverse=request.args.get("dir") == "desc"
    )
    periods = report_periods(session, campaign.id)
    expected = reports.expected_share(campaign, as_of)
    same, same_rows = reports.same_period_rows(session, progress)
    return render_template(
        "dashboard/show.html",
        p=progress,
        rows=rows,
        sort=key,
        expected=expected,
        behind={r.unit_id for r in rows if r.quota and r.collected < r.quota * expected},
        projection=reports.projection(progress, today=as_of, periods=periods),
        spent=reports.spent_by_category(
            session, root_id=progress.unit.id, start=campaign.starts_on, end=as_of
        ),
        same=same,
        same_rows=same_rows,
        periods=periods,
        child_campaigns=_child_campaigns(session, campaign),
        as_of=as_of,
    )


def _child_campaigns(session, campaign: Campaign) -> dict[int, int]:
    rows = session.exec(
        select(Campaign.unit_id, Campaign.id)
        .join(Unit, Unit.id == Campaign.unit_id)
        .where(Unit.parent_id == campaign.unit_id, Campaign.year == campaign.year)
    ).all()
    return dict(rows)


@bp.route("/<int:campaign_id>/quotas", methods=["GET", "POST"])
@permission_required("quotas")
def quotas(campaign_id: int):
    """Set every child unit's quota on one screen: typed, equal split or by weights."""
    session, campaign = get_session(), _campaign(campaign_id)
    units = children(session, parent_id=campaign.unit_id, on=campaign.starts_on)
    current = dict(
        session.exec(
            select(Quota.unit_id, Quota.amount).where(Quota.campaign_id == campaign.id)
        ).all()
    )
    form = BaseForm()
    if form.validate_on_submit():
        try:
            amounts = _quota_amounts(campaign, units)
            run_once(
                form,
                lambda s: allocate(
                    s, campaign_id=campaign.id, amounts=amounts, user_id=current_user.id
                ),
                url=url_for("dashboard.show", campaign_id=campaign.id),
            )
        except LedgerError as error:
            return refused(
                error,
                form,
                "dashboard/quotas.html",
                campaign=campaign,
                units=units,
                current=request.form,
                upload=ImportForm(),
            )
        flash(_("Đã lưu chỉ tiêu phân bổ."), "info")
        return redirect(url_for("dashboard.show", campaign_id=campaign.id))
    shown = {f"quota-{u.id}": current.get(u.id, 0) for u in units}
    return render_template(
        "dashboard/quotas.html",
        campaign=campaign,
        units=units,
        current=shown,
        form=form,
        upload=ImportForm(),
    )


def _quota_amounts(campaign: Campaign, units) -> dict[int, int]:
    """From the form: typed amounts, or ``total`` split equally / by ``weight-<id>``."""
    from ..money import parse_amount

    mode = request.form.get("mode", "typed")
    if mode in ("equal", "weights"):
        total = parse_amount(request.form.get("total", ""))
        weights = (
            [1] * len(units)
            if mode == "equal"
            else [_weight(request.form.get(f"weight-{u.id}", "")) for u in units]
        )
        return dict(zip([u.id for u in units], split_by_weights(total, weights), strict=False))
    return {
        u.id: (
            parse_amount(request.form[f"quota-{u.id}"])
            if request.form.get(f"quota-{u.id}", "").strip() not in ("", "0")
            else 0
        )
        for u in units
    }


def _weight(text: str) -> int:
    """A typed weight: 0 when left empty, -1 (refused by the split) when not ASCII digits."""
    if not text.strip("0 "):
        return 0
    value = parse_digits(text.strip(), maximum=10**9)
    return -1 if value is None else value


@bp.route("/<int:campaign_id>/quotas/import", methods=["POST"])
@permission_required("quotas")
def import_quotas(campaign_id: int):
    """The annex table ``STT | TÊN ĐƠN VỊ | Số tiền (Đồng)`` from .xlsx or .csv."""
    campaign = _campaign(campaign_id)
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    storage = form.file.data
    try:
        table = read_table(storage.filename or "", storage.read(8 * 1024 * 1024 + 1))
        header = [str(c or "").strip() for c in table[0]] if table else []
        rows = [
            dict(zip(header, [str(c if c is not None else "") for c in r], strict=False))
            for r in table[1:]
        ]
        run_once(
            form,
            lambda s: apply_quota_table(
                s,
                campaign_id=campaign.id,
                parent_id=campaign.unit_id,
                rows=rows,
                user_id=current_user.id,
            ),
            url=url_for("dashboard.show", campaign_id=campaign.id),
        )
    except (LedgerError, KeyError) as error:
        message = (
            error_message(error)
            if isinstance(error, LedgerError)
            else _("Thiếu cột: %(col)s", col=str(error))
        )
        flash(message, "error")
        return redirect(url_for("dashboard.quotas", campaign_id=campaign.id))
    flash(_("Đã nhập bảng chỉ tiêu."), "info")
    return redirect(url_for("dashboard.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/reports/<int:period_id>")
@login_required
def report(campaign_id: int, period_id: int):
    """A period report (6 months, 9 months, year) with last year's same period; printable."""
    campaign, data = _period(campaign_id, period_id)
    funds = [campaign.unit_id, *(row.unit_id for row in data.progress.rows)]
    return render_template(
        "dashboard/report.html",
        r=data,
        campaign=campaign,
        heads=current_heads(get_session(), funds),
    )


@bp.route("/<int:campaign_id>/reports/<int:period_id>.xlsx")
@login_required
def report_xlsx(campaign_id: int, period_id: int):
    campaign, data = _period(campaign_id, period_id)
    return send_file(
        io.BytesIO(period_workbook(data)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"bao-cao-{data.period.code}-{campaign.year}.xlsx",
    )


def _period(campaign_id: int, period_id: int):
    session, (campaign, focus) = get_session(), _visible(campaign_id)
    period = session.get(ReportPeriod, period_id)
    if period is None or period.campaign_id != campaign.id:
        abort(404)
    return campaign, reports.period_report(
        session, campaign_id=campaign.id, period_id=period.id, focus_id=focus
    )


@bp.route("/<int:campaign_id>/workbook.xlsx")
@login_required
def workbook(campaign_id: int):
    """The reconciliation workbook, children's names masked (a GET never unmasks)."""
    return _send_workbook(_campaign(campaign_id), unmasked=False)


@bp.route("/<int:campaign_id>/workbook-unmasked.xlsx", methods=["POST"])
@login_required
def workbook_unmasked(campaign_id: int):
    """The workbook with children's names, for a user with the unmask permission and a reason;
    written to the audit log before the file is built."""
    campaign, form = _campaign(campaign_id), UnmaskForm()
    if not current_user.can_unmask:
        abort(403)
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do cần xem đầy đủ."), "error")
        return redirect(url_for("dashboard.show", campaign_id=campaign.id))
    writer = get_write_session()
    try:
        unmask_workbook(
            writer,
            campaign_id=campaign.id,
            unit_id=campaign.unit_id,
            user_id=current_user.id,
            reason=form.reason.data,
        )
    except LedgerError as error:
        writer.rollback()
        flash(error_message(error), "error")
        return redirect(url_for("dashboard.show", campaign_id=campaign.id))
    writer.commit()
    log.info("unmasked workbook user=%s campaign=%s", current_user.id, campaign.id)
    return _send_workbook(campaign, unmasked=True)


def _send_workbook(campaign: Campaign, *, unmasked: bool):
    made = export_workbook(
        get_session(), campaign_id=campaign.id, as_of=_as_of(campaign), unmasked=unmasked
    )
    return send_file(
        io.BytesIO(made.content),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"doi-chieu-{campaign.year}-{made.data.progress.unit.code}.xlsx",
    )


_CHART_CACHE: OrderedDict = OrderedDict()
_CHART_LOCK = threading.Lock()


@bp.route("/<int:campaign_id>/charts/<name>.png")
@login_required
def chart(campaign_id: int, name: str):
    """A chart, rebuilt only when the journal or the quotas changed."""
    session, (campaign, focus) = get_session(), _visible(campaign_id)
    builders = {
        "progress": _progress_png,
        "cumulative": _cumulative_png,
        "categories": _categories_png,
        "yoy": _yoy_png,
    }
    if name not in builders:
        abort(404)
    as_of = _as_of(campaign)
    key = (name, campaign.id, focus, as_of, _data_version(session), request.accept_languages.best)
    png = _CHART_CACHE.get(key)
    if png is None:
        with _CHART_LOCK:  # threaded workers: matplotlib draws one chart at a time
            png = _CHART_CACHE.get(key) or builders[name](session, campaign, as_of, focus)
            _CHART_CACHE[key] = png
            while len(_CHART_CACHE) > 64:
                _CHART_CACHE.popitem(last=False)
    return send_file(io.BytesIO(png), mimetype="image/png")


def _data_version(session) -> tuple:
    return (
        session.exec(select(func.max(Entry.id))).scalar_one(),
        tuple(session.exec(select(func.count(Quota.id), func.sum(Quota.amount))).one()),
    )


def _progress_png(session, campaign, as_of, focus=None) -> bytes:
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=as_of, focus_id=focus)
    return charts.progress_chart(
        [(r.name, r.quota, r.collected) for r in progress.rows],
        title=f"Tiến độ vận động đến {as_of:%d/%m/%Y}",
    )


def _cumulative_png(session, campaign, as_of, focus=None) -> bytes:
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=as_of, focus_id=focus)
    plan = reports.projection(progress, today=as_of, periods=[])
    days = reports.daily_collected(
        session, root_id=progress.unit.id, start=campaign.starts_on, end=as_of
    )
    return charts.cumulative_chart(
        days,
        target=progress.target,
        start=campaign.starts_on,
        end=campaign.ends_on,
        projected_end=plan.at_end,
        title="Đã vận động cộng dồn so với chỉ tiêu",
    )


def _categories_png(session, campaign, as_of, focus=None) -> bytes:
    spent = reports.spent_by_category(
        session, root_id=focus or campaign.unit_id, start=campaign.starts_on, end=as_of
    )
    return charts.category_chart([(r[1], r[3]) for r in spent], title="Chi theo khoản")


def _yoy_png(session, campaign, as_of, focus=None) -> bytes:
    rows = []
    for period in report_periods(session, campaign.id):
        data = reports.period_report(
            session, campaign_id=campaign.id, period_id=period.id, focus_id=focus
        )
        rows.append((period.name, data.progress.collected, data.previous_collected))
    return charts.year_over_year_chart(
        rows, title="So với cùng kỳ năm trước", this_year=campaign.year
    )


@bp.route("/due")
@login_required
def due():
    """Reports coming due in the user's scope."""
    rows = reports.due_reports(
        get_session(), unit_ids=scope_ids(), today=date.today(), holder_id=current_user.unit_id
    )
    return render_template("dashboard/due.html", rows=rows, today=date.today())
