"""Period reports (6 months, 9 months, year), reports coming due, the reconciliation workbook."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import scope_ids, scope_members
from ..db import get_session, get_snapshot_session, get_write_session
from ..errors import LedgerError
from ..exports.csv_files import ZIP_TYPE
from ..exports.report_pdf import period_pdf as render_period_pdf
from ..exports.reports import period_csv, period_workbook
from ..forms import UnmaskForm, WorkbookJobForm
from ..i18n import error_message
from ..models import Campaign
from ..security import log
from ..services import reconciliation, reports
from ..services.beneficiaries import unmask_workbook
from ..services.jobs import start_workbook_job, workbook_receipts
from ..services.oversight import followed_reports
from ..services.reconciliation import export_workbook
from .common import as_of, get_in_scope, send_csv, start_job, visible_campaign

bp = Blueprint("reports", __name__, url_prefix="/campaigns")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/<int:campaign_id>/reports/<int:period_id>")
@login_required
def period(campaign_id: int, period_id: int):
    """A period report (6 months, 9 months, year) with last year's same period; printable."""
    campaign, data = _period(campaign_id, period_id)
    return render_template(
        "reports/period.html",
        r=data,
        campaign=campaign,
        heads=reports.period_heads(get_session(), campaign, data),
    )


@bp.route("/<int:campaign_id>/reports/<int:period_id>.xlsx")
@login_required
def period_xlsx(campaign_id: int, period_id: int):
    campaign, data = _period(campaign_id, period_id)
    return send_file(
        io.BytesIO(period_workbook(data)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"bao-cao-{data.period.code}-{campaign.year}.xlsx",
    )


@bp.route("/<int:campaign_id>/reports/<int:period_id>.csv")
@login_required
def period_csv_file(campaign_id: int, period_id: int):
    """The period report as CSV, the workbook's cells."""
    campaign, data = _period(campaign_id, period_id)
    return send_csv(period_csv(data), f"bao-cao-{data.period.code}-{campaign.year}.csv")


@bp.route("/<int:campaign_id>/reports/<int:period_id>.pdf")
@login_required
def period_pdf(campaign_id: int, period_id: int):
    """The report on A4 landscape with page numbers, anchors and signatures, to print and sign."""
    campaign, data = _period(campaign_id, period_id)
    heads = reports.period_heads(get_session(), campaign, data)
    return send_file(
        io.BytesIO(render_period_pdf(data, anchors=[h.line() for h in heads])),
        mimetype="application/pdf",
        download_name=f"bao-cao-{data.period.code}-{campaign.year}.pdf",
    )


def _period(campaign_id: int, period_id: int):
    campaign, focus = visible_campaign(campaign_id)
    data = reports.campaign_period_report(get_session(), campaign, period_id, focus_id=focus)
    if data is None:
        abort(404)
    return campaign, data


@bp.route("/reports")
@login_required
def index():
    """ "Báo cáo" in the menu: the period reports of the campaigns the user follows (their own
    unit's, those in which it holds a quota, then the others in scope), newest first."""
    followed = followed_reports(
        get_session(), unit_ids=scope_members(), own_id=current_user.unit_id
    )
    return render_template(
        "reports/index.html",
        followed=followed,
        overseen={f.campaign.id for f in followed if f.campaign.unit_id in scope_ids()},
        today=date.today(),
    )


@bp.route("/due")
@login_required
def due():
    """Reports coming due in the user's scope."""
    rows = reports.due_reports(
        get_session(),
        unit_ids=scope_members(),
        today=date.today(),
        holder_id=current_user.unit_id,
    )
    return render_template("reports/due.html", rows=rows, today=date.today())


@bp.route("/<int:campaign_id>/workbook.xlsx")
@login_required
def workbook(campaign_id: int):
    """The reconciliation workbook, children's names masked (a GET never unmasks). A large one
    (a province, the nation) is made in the background: this page offers to start it."""
    return _masked(campaign_id, csv=False)


@bp.route("/<int:campaign_id>/workbook.zip")
@login_required
def workbook_csv(campaign_id: int):
    """The same workbook's rows as a .zip of one CSV per sheet (masked, large ones in the
    background as the workbook)."""
    return _masked(campaign_id, csv=True)


def _masked(campaign_id: int, *, csv: bool):
    campaign = get_in_scope(Campaign, campaign_id)
    day = as_of(campaign)
    receipts = _large(campaign, day)
    if receipts:
        return render_template(
            "reports/workbook_job.html",
            campaign=campaign,
            as_of=day,
            form=WorkbookJobForm(),
            csv=csv,
            receipts=receipts,
            detail_rows=reconciliation.DETAIL_ROWS,
        )
    return _send_workbook(campaign, day, unmasked=False, csv=csv)


@bp.route("/<int:campaign_id>/workbook-job", methods=["POST"])
@login_required
def workbook_job(campaign_id: int):
    """Start making the (masked) workbook, or with ``?format=csv`` its CSV .zip, in the
    background; its page shows the progress."""
    campaign, form = get_in_scope(Campaign, campaign_id), WorkbookJobForm()
    if not form.validate_on_submit():
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    day, csv = as_of(campaign), request.args.get("format") == "csv"
    return start_job(
        form,
        lambda session: start_workbook_job(
            session,
            user_id=current_user.id,
            campaign_id=campaign.id,
            as_of=day,
            unmasked=False,
            csv=csv,
            all_receipts=bool(form.all_receipts.data),
        ),
    )


@bp.route("/<int:campaign_id>/workbook-unmasked.xlsx", methods=["POST"])
@login_required
def workbook_unmasked(campaign_id: int):
    """The workbook with children's names, for a user with the unmask permission and a reason;
    written to the audit log before the file is built (a large one: with its job, in the same
    transaction, and only its starter may download it)."""
    return _unmasked(campaign_id, csv=False)


@bp.route("/<int:campaign_id>/workbook-unmasked.zip", methods=["POST"])
@login_required
def workbook_unmasked_csv(campaign_id: int):
    """The same, as a .zip of one CSV per sheet, on the same terms."""
    return _unmasked(campaign_id, csv=True)


def _unmasked(campaign_id: int, *, csv: bool):
    campaign, form = get_in_scope(Campaign, campaign_id), UnmaskForm()
    if not current_user.can_unmask:
        abort(403)
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do cần xem đầy đủ."), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    day = as_of(campaign)
    if _large(campaign, day):
        return start_job(form, lambda session: _unmasked_job(session, campaign, day, form, csv))
    writer = get_write_session()
    try:
        _record_unmasking(writer, campaign, form)
    except LedgerError as error:
        writer.rollback()
        flash(error_message(error), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    writer.commit()
    log.info("unmasked workbook user=%s campaign=%s", current_user.id, campaign.id)
    return _send_workbook(campaign, day, unmasked=True, csv=csv)


def _record_unmasking(session, campaign: Campaign, form: UnmaskForm) -> None:
    unmask_workbook(
        session,
        campaign_id=campaign.id,
        unit_id=campaign.unit_id,
        user_id=current_user.id,
        reason=form.reason.data,
    )


def _unmasked_job(session, campaign: Campaign, day: date, form: UnmaskForm, csv: bool):
    job = start_workbook_job(
        session,
        user_id=current_user.id,
        campaign_id=campaign.id,
        as_of=day,
        unmasked=True,
        csv=csv,
    )
    _record_unmasking(session, campaign, form)
    log.info("unmasked workbook job user=%s campaign=%s", current_user.id, campaign.id)
    return job


def _large(campaign: Campaign, day: date) -> int:
    """How many receipts the workbook lists if that is too many to make it while the browser
    waits (0 otherwise)."""
    count = workbook_receipts(get_session(), campaign.id, day)
    return count if count > int(current_app.config["WORKBOOK_DIRECT_RECEIPTS"]) else 0


def _send_workbook(campaign: Campaign, day: date, *, unmasked: bool, csv: bool = False):
    """Write the workbook (or its CSV .zip) to a temporary file and send it. The file is opened
    and unlinked before the response leaves: nothing is left on disk whatever becomes of the
    download."""
    suffix = ".zip" if csv else ".xlsx"
    handle, name = tempfile.mkstemp(prefix="doi-chieu-", suffix=suffix)
    os.close(handle)
    path = Path(name)
    try:
        made = export_workbook(
            get_snapshot_session(),  # one snapshot: its summary and its rows agree
            campaign_id=campaign.id,
            as_of=day,
            unmasked=unmasked,
            path=path,
            viewer_unit_id=current_user.unit_id,
            csv=csv,
        )
        content = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    return send_file(
        content,
        mimetype=ZIP_TYPE if csv else XLSX,
        as_attachment=True,
        download_name=f"doi-chieu-{campaign.year}-{made.data.progress.unit.code}{suffix}",
    )
