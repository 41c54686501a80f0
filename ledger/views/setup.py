"""Campaign set-up in the browser: create, edit, copy last year's, and the report calendar.

Who may: reviewers and admins (the ``quotas`` permission) of the unit that received the target
or a unit above it. Every change is an audit event (in the services). A refused form is shown
again with what the user typed and the reason.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import permission_required, scope_ids, scope_members
from ..campaign_forms import CampaignForm, DeleteForm, PeriodForm, TemplateForm
from ..db import get_session
from ..errors import LedgerError
from ..i18n import error_message
from ..models import Campaign, ReportPeriod, Unit
from ..services import calendars
from ..services.campaigns import (
    campaign_page,
    copy_campaign,
    create_campaign,
    report_periods,
    update_campaign,
)
from ..services.children import children_targets, set_children_targets, target_categories
from ..services.units import existing_first
from .common import arg_int, get_in_scope, run_once

bp = Blueprint("setup", __name__, url_prefix="/campaigns")
PAGE = 50


def _unit_choices(form: CampaignForm) -> None:
    """Units in scope (the unit that received the target), those still in existence first."""
    session = get_session()
    units = existing_first(session, scope_ids())
    form.unit_id.choices = [
        (u.id, u.name + (f" (đến {u.valid_to:%d/%m/%Y})" if u.valid_to else "")) for u in units
    ]


def _refuse(template: str, error: LedgerError, **context):
    flash(error_message(error), "error")
    return render_template(template, **context), 400


@bp.route("/new", methods=["GET", "POST"])
@permission_required("quotas")
def new():
    """A new campaign or drive for a unit in the user's scope."""
    form = CampaignForm.with_children(target_categories(get_session()))
    _unit_choices(form)
    if not form.is_submitted():
        year = date.today().year
        form.unit_id.data = current_user.unit_id
        form.code.data = str(year)
        form.starts_on.data, form.ends_on.data = date(year, 1, 1), date(year, 12, 31)
    if form.validate_on_submit():
        if form.unit_id.data not in scope_ids():
            abort(404)
        try:
            url = run_once(
                form,
                lambda s: url_for("campaigns.show", campaign_id=_create(s, form)),
            )
        except LedgerError as error:
            return _refuse("setup/campaign.html", error, form=form, campaign=None)
        flash(_("Đã tạo đợt vận động."), "info")
        return redirect(url)
    return render_template("setup/campaign.html", form=form, campaign=None), (
        400 if form.is_submitted() else 200
    )


def _create(session, form: CampaignForm) -> int:
    """Create the campaign and its targets of children helped; the new campaign's id."""
    campaign = create_campaign(
        session,
        unit_id=form.unit_id.data,
        year=form.starts_on.data.year,
        target=form.target.data,
        name=form.name.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        code=form.code.data,
        user_id=current_user.id,
    )
    set_children_targets(
        session, campaign_id=campaign.id, typed=form.children_typed(), user_id=current_user.id
    )
    return campaign.id


def _update(session, campaign: Campaign, form: CampaignForm) -> None:
    update_campaign(
        session,
        campaign_id=campaign.id,
        code=form.code.data,
        name=form.name.data,
        target=form.target.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        user_id=current_user.id,
    )
    set_children_targets(
        session, campaign_id=campaign.id, typed=form.children_typed(), user_id=current_user.id
    )


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@permission_required("quotas")
def edit(campaign_id: int):
    """Change the code, name, target, dates or the targets of children helped."""
    campaign = get_in_scope(Campaign, campaign_id)
    session = get_session()
    form = CampaignForm.with_children(
        target_categories(session), obj=None if request.method == "POST" else campaign
    )
    if request.method != "POST":
        targets = children_targets(session, campaign.id)
        for category, child_field in form.children_fields():
            child_field.data = str(targets[category.id]) if category.id in targets else ""
    form.unit_id.choices = [(campaign.unit_id, get_session().get_one(Unit, campaign.unit_id).name)]
    form.unit_id.data = campaign.unit_id
    if form.validate_on_submit():
        try:
            run_once(
                form,
                lambda s: _update(s, campaign, form),
                url=url_for("campaigns.show", campaign_id=campaign.id),
            )
        except LedgerError as error:
            return _refuse("setup/campaign.html", error, form=form, campaign=campaign)
        flash(_("Đã lưu đợt vận động."), "info")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("setup/campaign.html", form=form, campaign=campaign), (
        400 if form.is_submitted() else 200
    )


@bp.route("/<int:campaign_id>/copy", methods=["POST"])
@permission_required("quotas")
def copy(campaign_id: int):
    """Start next year's campaign from this one (quotas mapped to today's units)."""
    campaign = get_in_scope(Campaign, campaign_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        url = run_once(
            form,
            lambda s: url_for(
                "campaigns.show",
                campaign_id=copy_campaign(s, campaign_id=campaign.id, user_id=current_user.id).id,
            ),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(url_for("setup.index"))
    flash(
        _("Đã tạo đợt vận động năm sau từ đợt này; hãy kiểm tra chỉ tiêu và lịch báo cáo."), "info"
    )
    return redirect(url)


@bp.route("/")
@permission_required("quotas")
def index():
    """The campaigns in scope, a page at a time, with set-up links."""
    page = max(arg_int("page", 1), 1)
    rows, more = campaign_page(get_session(), scope_members(), page=page, per_page=PAGE)
    return render_template(
        "setup/index.html",
        rows=rows,
        page=page,
        more=more,
        copy_form=DeleteForm(),
    )


@bp.route("/<int:campaign_id>/periods", methods=["GET", "POST"])
@permission_required("quotas")
def periods(campaign_id: int):
    """The report calendar: add from a template or one report, edit, delete."""
    campaign = get_in_scope(Campaign, campaign_id)
    form, template = PeriodForm(prefix="p"), TemplateForm(prefix="t")
    if request.method == "POST" and "t-template" in request.form:
        if template.validate_on_submit():
            return _save(
                campaign,
                template,
                lambda s: calendars.apply_template(
                    s,
                    campaign_id=campaign.id,
                    template=template.template.data,
                    user_id=current_user.id,
                ),
                form,
                template,
            )
    elif form.validate_on_submit():
        return _save(
            campaign,
            form,
            lambda s: calendars.add_period(
                s,
                campaign_id=campaign.id,
                name=form.name.data,
                cutoff=form.cutoff.data,
                due=form.due.data,
                user_id=current_user.id,
            ),
            form,
            template,
        )
    return _calendar(campaign, form, template, 400 if request.method == "POST" else 200)


def _save(campaign, submitted, action, form, template):
    try:
        run_once(submitted, action, url=url_for("setup.periods", campaign_id=campaign.id))
    except LedgerError as error:
        flash(error_message(error), "error")
        return _calendar(campaign, form, template, 400)
    flash(_("Đã lưu lịch báo cáo."), "info")
    return redirect(url_for("setup.periods", campaign_id=campaign.id))


def _calendar(campaign, form, template, status):
    session = get_session()
    return render_template(
        "setup/periods.html",
        campaign=campaign,
        form=form,
        template=template,
        periods=report_periods(session, campaign.id),
        delete_form=DeleteForm(),
    ), status


def _period(campaign_id: int, period_id: int) -> tuple[Campaign, ReportPeriod]:
    campaign = get_in_scope(Campaign, campaign_id)
    period = get_session().get(ReportPeriod, period_id)
    if period is None or period.campaign_id != campaign.id:
        abort(404)
    return campaign, period


@bp.route("/<int:campaign_id>/periods/<int:period_id>/edit", methods=["GET", "POST"])
@permission_required("quotas")
def edit_period(campaign_id: int, period_id: int):
    """Change one report's name, cut-off or due date."""
    campaign, period = _period(campaign_id, period_id)
    form = PeriodForm(obj=None if request.method == "POST" else period)
    if form.validate_on_submit():
        try:
            run_once(
                form,
                lambda s: calendars.update_period(
                    s,
                    period_id=period.id,
                    name=form.name.data,
                    cutoff=form.cutoff.data,
                    due=form.due.data,
                    user_id=current_user.id,
                ),
                url=url_for("setup.periods", campaign_id=campaign.id),
            )
        except LedgerError as error:
            return _refuse("setup/period.html", error, form=form, campaign=campaign, period=period)
        flash(_("Đã lưu lịch báo cáo."), "info")
        return redirect(url_for("setup.periods", campaign_id=campaign.id))
    return render_template("setup/period.html", form=form, campaign=campaign, period=period), (
        400 if form.is_submitted() else 200
    )


@bp.route("/<int:campaign_id>/periods/<int:period_id>/delete", methods=["POST"])
@permission_required("quotas")
def delete_period(campaign_id: int, period_id: int):
    """Remove one report from the calendar."""
    campaign, period = _period(campaign_id, period_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    run_once(
        form,
        lambda s: calendars.delete_period(s, period_id=period.id, user_id=current_user.id),
        url=url_for("setup.periods", campaign_id=campaign.id),
    )
    flash(_("Đã xóa kỳ báo cáo."), "info")
    return redirect(url_for("setup.periods", campaign_id=campaign.id))
