"""The campaign's mobilisation norms (định mức vận động): the norms per kind of payer, each
child unit's heads typed in a grid or imported, and the expected money beside quota and
collected. The campaign's owner edits (``quotas`` permission); a unit below reads its own line."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..errors import LedgerError, Phrase
from ..exports.norms import counts_template, counts_template_csv
from ..forms import ImportForm
from ..i18n import error_message
from ..norm_forms import CountsForm, NormsForm
from ..services import norm_import
from ..services.norms import (
    BadHeadCount,
    campaign_norms,
    kind_label,
    norm_figures,
    norm_units,
    set_counts,
    set_norms,
    shown_count,
    unit_counts,
)
from ..services.paging import Page
from ..services.progress import campaign_progress
from .common import arg_int, run_once, send_csv, visible_campaign

bp = Blueprint("norms", __name__, url_prefix="/campaigns")

#: units on one page of the grid
PER_PAGE = 20


def _editable(focus: int | None) -> bool:
    """The campaign's own unit (or above) with the permission to set quotas edits norms."""
    return focus is None and current_user.can("quotas")


def _owned(campaign_id: int):
    """The campaign, for a user who may edit its norms (404 out of scope, 403 otherwise)."""
    campaign, focus = visible_campaign(campaign_id)
    if not _editable(focus):
        abort(403)
    return campaign


@bp.route("/<int:campaign_id>/norms")
@login_required
def show(campaign_id: int):
    """The norms, the counts grid (a page of units) and expected vs quota vs collected."""
    campaign, focus = visible_campaign(campaign_id)
    return _page(campaign, focus, number=arg_int("page", 1))


def _page(campaign, focus, *, number: int, norms_form=None, counts_form=None, status=200):
    session = get_session()
    progress = campaign_progress(session, campaign_id=campaign.id, focus_id=focus)
    figures = norm_figures(session, progress)
    norms = campaign_norms(session, campaign.id)
    kinds = [k for k in norm_import.KIND_ORDER if k in norms]
    units = [progress.unit] if focus else norm_units(session, campaign)
    page = Page(
        rows=units[(number - 1) * PER_PAGE : number * PER_PAGE],
        newer=None,
        older=None,
        count=len(units),
        number=number,
        per_page=PER_PAGE,
    )
    shown_ids = [u.id for u in page.rows]
    counts = unit_counts(session, campaign.id, shown_ids)
    lines = {line.unit_id: line for line in figures.lines}
    if focus:
        lines[progress.unit.id] = figures.total
    editable = _editable(focus)
    if norms_form is None:
        norms_form = NormsForm.build()
        for kind, norm in norms.items():
            norms_form[f"norm-{kind}"].data = f"{norm.amount_per_head:,}".replace(",", ".")
            norms_form[f"note-{kind}"].data = norm.note
    if counts_form is None:
        counts_form = CountsForm.for_units(shown_ids, kinds)
    html = render_template(
        "norms/show.html",
        campaign=campaign,
        focused=bool(focus),
        editable=editable,
        norms=norms,
        kinds=kinds,
        all_kinds=norm_import.KIND_ORDER,
        label=kind_label,
        page=page,
        counts=counts,
        lines=lines,
        total=figures.total,
        norms_form=norms_form,
        counts_form=counts_form,
        typed=counts_form.typed() if request.method == "POST" else {},
        upload=ImportForm(),
        args=request.args,
    )
    return html, status


@bp.route("/<int:campaign_id>/norms", methods=["POST"])
@login_required
def save_norms(campaign_id: int):
    """Set the amount per head of each kind of payer (empty: none)."""
    campaign = _owned(campaign_id)
    form = NormsForm.build()
    if not form.validate_on_submit():
        abort(400)
    try:
        run_once(
            form,
            lambda s: set_norms(
                s,
                campaign=campaign,
                amounts=form.amounts(),
                notes=form.notes(),
                user_id=current_user.id,
            ),
            url=url_for("norms.show", campaign_id=campaign.id),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        form.fresh_key()
        return _page(campaign, None, number=1, norms_form=form, status=error.status)
    flash(_("Đã lưu định mức vận động."), "info")
    return redirect(url_for("norms.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/norms/counts", methods=["POST"])
@login_required
def save_counts(campaign_id: int):
    """Store the heads and exempt heads typed on one page of the grid."""
    campaign = _owned(campaign_id)
    session = get_session()
    number = arg_int("page", 1)
    units = norm_units(session, campaign)[(number - 1) * PER_PAGE : number * PER_PAGE]
    kinds = [k for k in norm_import.KIND_ORDER if k in campaign_norms(session, campaign.id)]
    form = CountsForm.for_units([u.id for u in units], kinds)
    if not form.validate_on_submit():
        abort(400)
    names = {u.id: u.name for u in units}
    try:
        counts, bad = form.counts()
        if bad is not None:
            unit_id, kind, text = bad
            raise BadHeadCount(
                unit=names[unit_id], kind=Phrase(kind_label(kind)), value=shown_count(text)
            )
        run_once(
            form,
            lambda s: set_counts(s, campaign=campaign, counts=counts, user_id=current_user.id),
            url=url_for("norms.show", campaign_id=campaign.id, page=number),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        form.fresh_key()
        return _page(campaign, None, number=number, counts_form=form, status=error.status)
    flash(_("Đã lưu số người của trang này."), "info")
    return redirect(url_for("norms.show", campaign_id=campaign.id, page=number))


@bp.route("/<int:campaign_id>/norms/import", methods=["POST"])
@login_required
def import_counts(campaign_id: int):
    """The counts from a filled-in template (.xlsx, .xls or .csv): all rows or none."""
    campaign = _owned(campaign_id)
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn tệp .xlsx, .xls hoặc .csv."), "error")
        return redirect(url_for("norms.show", campaign_id=campaign.id))
    storage = form.file.data
    try:
        data = storage.read(8 * 1024 * 1024 + 1)
        run_once(
            form,
            lambda s: norm_import.import_counts(
                s,
                campaign=campaign,
                filename=storage.filename or "",
                data=data,
                user_id=current_user.id,
            ),
            url=url_for("norms.show", campaign_id=campaign.id),
        )
    except norm_import.CountsRejected as error:
        flash(" ".join([error_message(error), *_bad_rows(error.bad)]), "error")
        return redirect(url_for("norms.show", campaign_id=campaign.id))
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(url_for("norms.show", campaign_id=campaign.id))
    flash(_("Đã nhập bảng số người."), "info")
    return redirect(url_for("norms.show", campaign_id=campaign.id))


def _bad_rows(bad: list[norm_import.BadRow]) -> list[str]:
    """The refused rows in words, the first few of them."""
    named = norm_import.NAMED
    parts = [
        _(
            "Dòng %(line)s, cột “%(column)s”: “%(value)s” %(reason)s.",
            line=str(b.line),
            column=b.column,
            value=b.value,
            reason=_(norm_import.REASONS[b.reason]),
        )
        for b in bad[:named]
    ]
    if len(bad) > named:
        parts.append(_("và %(count)s dòng khác.", count=str(len(bad) - named)))
    return parts


@bp.route("/<int:campaign_id>/norms/template.xlsx")
@login_required
def template(campaign_id: int):
    """The counts template: every child unit × kind of payer with a norm, current counts."""
    campaign = _owned(campaign_id)
    return send_file(
        io.BytesIO(counts_template(**_template_parts(campaign))),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"dinh-muc-{campaign.code}.xlsx",
    )


@bp.route("/<int:campaign_id>/norms/template.csv")
@login_required
def template_csv(campaign_id: int):
    """The counts template's "Số người" sheet as CSV, to fill in and upload as it is."""
    campaign = _owned(campaign_id)
    return send_csv(
        counts_template_csv(**_template_parts(campaign)), f"dinh-muc-{campaign.code}.csv"
    )


def _template_parts(campaign) -> dict:
    """Every child unit × kind of payer with a norm (all kinds when none), current counts."""
    session = get_session()
    kinds = [k for k in norm_import.KIND_ORDER if k in campaign_norms(session, campaign.id)]
    return {
        "headers": norm_import.HEADERS,
        "rows": norm_import.template_rows(session, campaign, kinds or list(norm_import.KIND_ORDER)),
        "notes": norm_import.template_notes(),
    }
