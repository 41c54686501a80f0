"""Filed reports: a unit files a period's report with the level above, which follows who filed,
opens the documents, returns a report with a comment; the unit refiles."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, require_scope
from ..db import get_session
from ..errors import LedgerError
from ..exports.filings import FilingLine, filings_csv, filings_workbook
from ..exports.letters import place
from ..forms_filings import FilingForm, ReturnForm
from ..i18n import error_message
from ..models import Campaign, FiledReport, ReportPeriod
from ..services import filing_status, filings
from ..services.filing_documents import figures_changed
from ..services.units import get_unit
from .common import get_in_scope, page_unit, refused, run_once, send_csv

bp = Blueprint("filings", __name__, url_prefix="/filings")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("")
@login_required
def index():
    """A unit's filed reports (every version), newest first: the user's own unit or ``?unit=``."""
    unit = page_unit()
    return render_template(
        "filings/index.html",
        unit=unit,
        items=filing_status.unit_filings(get_session(), unit.id),
    )


@bp.route("/periods/<int:period_id>/new", methods=["GET", "POST"])
@permission_required("file_reports")
def new(period_id: int):
    """File the user's unit's report for a period (the form says which books it closes)."""
    period, campaign = _reporting(period_id)
    form = FilingForm()
    context = _new_context(period, campaign)
    if not form.is_submitted():
        _prefill(form, period, campaign)
    if not form.validate_on_submit():
        return render_template("filings/new.html", form=form, **context), (
            400 if form.is_submitted() else 200
        )
    try:
        target = run_once(form, lambda s: _file(s, period, form))
    except LedgerError as error:
        return refused(error, form, "filings/new.html", **context)
    flash(
        _("Đã nộp báo cáo; sổ sách đã khóa đến hết ngày %(day)s.", day=f"{period.cutoff:%d/%m/%Y}"),
        "info",
    )
    return redirect(target)


def _file(session, period: ReportPeriod, form: FilingForm) -> str:
    filing = filings.file_report(
        session,
        period_id=period.id,
        unit_id=current_user.unit_id,
        user_id=current_user.id,
        user_unit_id=current_user.unit_id,
        data=filings.FilingInput(
            number=form.number.data,
            recipient=form.recipient.data,
            signer_title=form.signer_title.data,
            signer_name=form.signer_name.data,
            place=form.place.data,
            difficulties=form.difficulties.data,
            proposals=form.proposals.data,
            copies_to=form.copies_to.data,
        ),
        today=date.today(),
    )
    return url_for("filings.show", filing_id=filing.id)


def _reporting(period_id: int) -> tuple[ReportPeriod, Campaign]:
    """The period when the user's unit reports in it, else 404."""
    try:
        return filings.reporting_period(
            get_session(), period_id=period_id, unit_id=current_user.unit_id
        )
    except LedgerError:
        abort(404)


def _new_context(period: ReportPeriod, campaign: Campaign) -> dict:
    session = get_session()
    return {
        "period": period,
        "campaign": campaign,
        "unit": get_unit(session, current_user.unit_id),
        "to_unit": get_unit(session, campaign.unit_id),
        "standing": filings.current_filing(
            session, unit_id=current_user.unit_id, period_id=period.id
        ),
        "to_lock": filings.locks_needed(
            session, unit_id=current_user.unit_id, through=period.cutoff
        ),
        "today": date.today(),
    }


def _prefill(form: FilingForm, period: ReportPeriod, campaign: Campaign) -> None:
    """The last returned version's texts, else the usual recipient, place and signer."""
    session = get_session()
    unit, to_unit = get_unit(session, current_user.unit_id), get_unit(session, campaign.unit_id)
    versions = filing_status.unit_filings(session, unit.id)
    last = next((i.filing for i in versions if i.period.id == period.id), None)
    if last is not None:
        for name in ("recipient", "place", "difficulties", "proposals", "copies_to"):
            form[name].data = getattr(last, name)
        form.signer_title.data, form.signer_name.data = last.signer_title, last.signer_name
        return
    form.recipient.data = f"Ủy ban nhân dân {to_unit.name}"
    form.place.data = place(unit)
    form.signer_title.data = "Chủ tịch"


@bp.route("/<int:filing_id>")
@login_required
def show(filing_id: int):
    """A filed report: its documents, state, versions; the level above may return it."""
    filing = get_in_scope(FiledReport, filing_id)
    return _show(filing, ReturnForm())


def _show(filing: FiledReport, form: ReturnForm, status: int = 200):
    session = get_session()
    period = session.get_one(ReportPeriod, filing.period_id)
    return render_template(
        "filings/show.html",
        filing=filing,
        period=period,
        campaign=session.get_one(Campaign, period.campaign_id),
        unit=get_unit(session, filing.unit_id),
        to_unit=get_unit(session, filing.to_unit_id),
        versions=filing_status.filing_versions(session, filing),
        changed=figures_changed(session, filing) if filing.status == "filed" else [],
        may_return=filing.status == "filed"
        and current_user.can("return_reports")
        and current_user.unit_id == filing.to_unit_id,
        may_refile=filing.status == "returned"
        and current_user.can("file_reports")
        and current_user.unit_id == filing.unit_id,
        form=form,
    ), status


@bp.route("/<int:filing_id>.docx")
@login_required
def docx(filing_id: int):
    filing = get_in_scope(FiledReport, filing_id)
    return _send(filing.docx, DOCX, filing, "docx")


@bp.route("/<int:filing_id>.pdf")
@login_required
def pdf(filing_id: int):
    filing = get_in_scope(FiledReport, filing_id)
    return _send(filing.pdf, "application/pdf", filing, "pdf")


def _send(content: bytes, mimetype: str, filing: FiledReport, extension: str):
    stem = filing_status.file_stem(get_session(), filing)
    return send_file(
        io.BytesIO(content),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{stem}.{extension}",
    )


@bp.route("/<int:filing_id>/return", methods=["POST"])
@permission_required("return_reports")
def return_(filing_id: int):
    """The level above returns a filed report with a comment (required)."""
    filing = get_in_scope(FiledReport, filing_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do trả lại báo cáo."), "error")
        return _show(filing, form, 400)
    try:
        run_once(
            form,
            lambda s: filings.return_report(
                s,
                filing_id=filing.id,
                user_id=current_user.id,
                user_unit_id=current_user.unit_id,
                comment=form.comment.data,
            ),
            url=url_for("filings.show", filing_id=filing.id),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        form.fresh_key()
        return _show(get_in_scope(FiledReport, filing_id), form, error.status)
    flash(_("Đã trả lại báo cáo; đơn vị sẽ thấy lý do và nộp lại."), "info")
    return redirect(url_for("filings.show", filing_id=filing.id))


@bp.route("/periods/<int:period_id>")
@login_required
def period(period_id: int):
    """The level above's list for a period: each reporting unit filed, filed late, not filed
    (late once past the due date) or returned."""
    found, campaign = _overseen(period_id)
    return render_template(
        "filings/period.html",
        period=found,
        campaign=campaign,
        unit=get_unit(get_session(), campaign.unit_id),
        rows=filing_status.period_filings(get_session(), period=found, today=date.today()),
    )


@bp.route("/periods/<int:period_id>.xlsx")
@login_required
def period_xlsx(period_id: int):
    title, lines, name = _filing_lines(period_id)
    return send_file(
        io.BytesIO(filings_workbook(title, lines)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{name}.xlsx",
    )


@bp.route("/periods/<int:period_id>.csv")
@login_required
def period_csv(period_id: int):
    """The same list as CSV, the workbook's cells."""
    title, lines, name = _filing_lines(period_id)
    return send_csv(filings_csv(title, lines), f"{name}.csv")


def _filing_lines(period_id: int) -> tuple[str, list[FilingLine], str]:
    """The period's list as the downloads write it: title, lines, file name."""
    found, campaign = _overseen(period_id)
    rows = filing_status.period_filings(get_session(), period=found, today=date.today())
    lines = [
        FilingLine(
            unit_code=r.unit.code,
            unit_name=r.unit.name,
            state=r.state,
            due=r.due,
            filed_on=r.latest.filed_on if r.latest else None,
            number=r.latest.number if r.latest else "",
            version=r.latest.version if r.latest else None,
            on_time=r.on_time,
        )
        for r in rows
    ]
    title = f"{campaign.name} — {found.name} (hạn nộp {found.due:%d/%m/%Y})"
    return title, lines, f"nop-bao-cao-{found.code}-{found.cutoff.year}"


def _overseen(period_id: int) -> tuple[ReportPeriod, Campaign]:
    """The period when its campaign's unit is in the user's scope, else 404."""
    found = get_session().get(ReportPeriod, period_id)
    if found is None:
        abort(404)
    campaign = get_session().get_one(Campaign, found.campaign_id)
    require_scope(campaign.unit_id)
    return found, campaign
