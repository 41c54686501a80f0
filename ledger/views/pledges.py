"""Pledges (cam kết ủng hộ): list, record, settle with a new or an existing receipt, cancel,
the overdue ones and their reminder letter."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, scope_ids
from ..db import get_session
from ..errors import LedgerError, ReminderForAnonymousDonor
from ..forms import ReceiptForm
from ..forms_pledges import CancelPledgeForm, PledgeFilterForm, PledgeForm, SettleForm
from ..forms_receipts import form_receipt
from ..i18n import error_message
from ..models import Campaign, Donor, Pledge, Unit
from ..services import pledges as service
from ..services.bank_accounts import document_account_choices
from ..services.campaigns import campaigns_for
from ..services.donors import anonymous_donor_ids, shown_payer
from ..services.paging import parse_cursor
from ..services.pledge_lists import PledgeFilter, list_pledges, overdue_pledges, pledge_totals
from ..services.units import subtree_ids, subtree_scope, unit_rows
from ..text import parse_digits
from .common import arg_int, get_in_scope, page_unit, read_filters, refused, run_once

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


def _campaigns(fund: Unit) -> list[Campaign]:
    """The campaigns a pledge of ``fund`` may belong to: the fund's own and the higher levels'
    in which it holds a quota."""
    return [c for c, _u in campaigns_for(get_session(), [fund.id], holder_id=fund.id)]


@bp.route("/")
@login_required
def index():
    """A fund's pledges (and those of the units under it): filters, totals, pages."""
    session, fund = get_session(), page_unit()
    form = read_filters(PledgeFilterForm())
    flt = PledgeFilter(
        campaign_id=form.campaign.data, status=form.status.data or "", donor=form.donor.data or ""
    )
    units = subtree_scope(session, fund.id)
    today = date.today()
    found = list_pledges(
        session,
        unit_ids=units,
        flt=flt,
        today=today,
        viewer_unit_id=current_user.unit_id,
        page=arg_int("page", 1) or 1,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=True
        ),
    )
    return render_template(
        "pledges/index.html",
        fund=fund,
        pager=found,
        rows=[(p, s, n, service.status_of(p, s, today)) for p, s, n in found.rows],
        totals=pledge_totals(session, unit_ids=units, today=today),
        campaigns=_campaigns(fund),
        args=request.args,
        today=today,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("write_receipts")
def new():
    """Record a pledge: the donor picked from the fund's donors (type-ahead)."""
    fund = page_unit()
    form = PledgeForm()
    campaigns = _campaigns(fund)
    form.campaign_id.choices = [("", _("(không thuộc đợt nào)"))] + [
        (c.id, c.name) for c in campaigns
    ]
    if request.method == "GET":
        form.pledged_on.data = date.today()
        form.campaign_id.data = campaigns[0].id if campaigns else None
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _create(s, fund, form, campaigns))
        except LedgerError as error:
            return refused(error, form, "pledges/new.html", fund=fund)
        flash(_("Đã ghi cam kết ủng hộ."), "info")
        return redirect(url)
    return render_template("pledges/new.html", form=form, fund=fund)


def _create(session, fund: Unit, form: PledgeForm, campaigns: list[Campaign]) -> str:
    donor = session.get(Donor, parse_digits(form.donor_id.data))
    if donor is None or donor.unit_id not in scope_ids():
        abort(404)
    campaign_id = form.campaign_id.data
    if campaign_id is not None and campaign_id not in {c.id for c in campaigns}:
        abort(404)
    pledge = service.create_pledge(
        session,
        unit_id=fund.id,
        data=service.PledgeInput(
            donor_id=donor.id,
            amount=form.amount.data,
            pledged_on=form.pledged_on.data,
            due_on=form.due_on.data,
            campaign_id=campaign_id,
            note=form.note.data,
        ),
        user_id=current_user.id,
    )
    return url_for("pledges.show", pledge_id=pledge.id)


def _pledge(pledge_id: int) -> Pledge:
    return get_in_scope(Pledge, pledge_id)


def _context(pledge: Pledge) -> dict:
    """What a pledge's pages show: fund, donor, campaign, settled, outstanding, status."""
    session = get_session()
    settled = service.settled_amount(session, pledge.id)
    today = date.today()
    outstanding = 0 if pledge.cancelled_at else max(pledge.amount - settled, 0)
    donor = session.get_one(Donor, pledge.donor_id)
    hidden = pledge.donor_id in anonymous_donor_ids(session, {pledge.donor_id})
    return {
        "p": pledge,
        "fund": session.get(Unit, pledge.unit_id),
        "donor": donor,
        "hidden": hidden and current_user.unit_id != pledge.unit_id,
        "donor_name": shown_payer(
            donor.name,
            anonymous=hidden,
            fund_id=pledge.unit_id,
            viewer_unit_id=current_user.unit_id,
        ),
        "campaign": session.get(Campaign, pledge.campaign_id) if pledge.campaign_id else None,
        "settled": settled,
        "outstanding": outstanding,
        "status": service.status_of(pledge, settled, today),
        "days_overdue": (today - pledge.due_on).days if pledge.due_on < today else 0,
        "today": today,
    }


@bp.route("/<int:pledge_id>")
@login_required
def show(pledge_id: int):
    """A pledge, its settlements (voided receipts marked, not counted) and what is left."""
    pledge = _pledge(pledge_id)
    return _show(pledge, SettleForm(), CancelPledgeForm())


def _show(pledge: Pledge, settle_form: SettleForm, cancel_form: CancelPledgeForm, status=200):
    session = get_session()
    receipts = service.open_receipts(session, pledge)
    settle_form.receipt_id.choices = [
        (r.id, f"{r.number}/{r.year} — {r.receipt_date:%d/%m/%Y} — {left:,}".replace(",", "."))
        for r, left in receipts
    ]
    return render_template(
        "pledges/show.html",
        settlements=service.settlements_of(session, pledge.id),
        settle_form=settle_form,
        cancel_form=cancel_form,
        open_receipts=receipts,
        **_context(pledge),
    ), status


@bp.route("/<int:pledge_id>/settle", methods=["POST"])
@permission_required("write_receipts")
def settle(pledge_id: int):
    """Gắn phiếu thu đã có: settle the pledge with a receipt of its donor."""
    pledge = _pledge(pledge_id)
    form = SettleForm()
    if not form.validate_on_submit():
        flash(_("Chọn phiếu thu và số tiền hợp lệ."), "error")
        return _show(pledge, form, CancelPledgeForm(), 400)
    try:
        run_once(
            form,
            lambda s: service.settle_pledge(
                s,
                pledge_id=pledge.id,
                receipt_id=form.receipt_id.data,
                amount=form.amount.data,
                user_id=current_user.id,
            ),
            url=url_for("pledges.show", pledge_id=pledge.id),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        form.fresh_key()
        return _show(pledge, form, CancelPledgeForm(), error.status)
    flash(_("Đã ghi nhận phiếu thu thực hiện cam kết."), "info")
    return redirect(url_for("pledges.show", pledge_id=pledge.id))


@bp.route("/<int:pledge_id>/cancel", methods=["POST"])
@permission_required("write_receipts")
def cancel(pledge_id: int):
    """Cancel what is left of a pledge, with a reason."""
    pledge = _pledge(pledge_id)
    form = CancelPledgeForm()
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do hủy cam kết."), "error")
        return _show(pledge, SettleForm(), form, 400)
    try:
        run_once(
            form,
            lambda s: service.cancel_pledge(
                s, pledge_id=pledge.id, reason=form.reason.data, user_id=current_user.id
            ),
            url=url_for("pledges.show", pledge_id=pledge.id),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(url_for("pledges.show", pledge_id=pledge.id))
    flash(_("Đã hủy cam kết ủng hộ."), "info")
    return redirect(url_for("pledges.show", pledge_id=pledge.id))


@bp.route("/<int:pledge_id>/receipt", methods=["GET", "POST"])
@permission_required("write_receipts")
def receipt(pledge_id: int):
    """Lập phiếu thu: the receipt form filled from the pledge; saved, it settles the pledge."""
    pledge = _pledge(pledge_id)
    context = _context(pledge)
    if context["outstanding"] <= 0:
        flash(_("Cam kết này không còn số tiền phải thực hiện."), "error")
        return redirect(url_for("pledges.show", pledge_id=pledge.id))
    session, fund = get_session(), context["fund"]
    form = ReceiptForm()
    form.credit_unit_id.choices = [
        (u.id, u.name) for u in unit_rows(session, subtree_ids(session, fund.id))
    ]
    form.bank_account_id.choices = document_account_choices(session, fund.id)
    if request.method == "GET":
        _fill_receipt(form, context)
    form.donor_id.data = str(pledge.donor_id)
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _record(s, pledge, form))
        except LedgerError as error:
            return refused(error, form, "pledges/receipt_new.html", **context)
        flash(_("Đã ghi phiếu thu và ghi nhận thực hiện cam kết."), "info")
        return redirect(url)
    return render_template("pledges/receipt_new.html", form=form, **context)


def _fill_receipt(form: ReceiptForm, context: dict) -> None:
    pledge, donor, campaign = context["p"], context["donor"], context["campaign"]
    form.receipt_date.data = date.today()
    form.amount.data = context["outstanding"]
    form.payer_name.data = context["donor_name"]
    form.payer_address.data = "" if context["hidden"] else donor.address
    form.credit_unit_id.data = pledge.unit_id
    form.reason.data = reason_for(pledge, campaign)


def reason_for(pledge: Pledge, campaign: Campaign | None) -> str:
    """The receipt's reason: "Thực hiện cam kết ủng hộ ngày 20/05/2026 (Tháng hành động…)"."""
    text = f"Thực hiện cam kết ủng hộ ngày {pledge.pledged_on:%d/%m/%Y}"
    return f"{text} ({campaign.name})"[:500] if campaign else text


def _record(session, pledge: Pledge, form: ReceiptForm) -> str:
    made = service.record_receipt_for_pledge(
        session,
        pledge_id=pledge.id,
        data=form_receipt(form, donor_id=pledge.donor_id),
        user_id=current_user.id,
    )
    return url_for("receipts.show", receipt_id=made.id)


@bp.route("/overdue")
@login_required
def overdue():
    """Pledges past their due date with money outstanding, longest overdue first."""
    session, fund = get_session(), page_unit()
    today = date.today()
    rows = overdue_pledges(
        session,
        unit_ids=subtree_scope(session, fund.id),
        today=today,
        viewer_unit_id=current_user.unit_id,
    )
    return render_template("pledges/overdue.html", fund=fund, rows=rows, today=today)


@bp.route("/<int:pledge_id>/reminder")
@login_required
def reminder(pledge_id: int):
    """Thư nhắc thực hiện cam kết ủng hộ, A4, to print."""
    pledge = _pledge(pledge_id)
    context = _context(pledge)
    if context["hidden"]:
        raise ReminderForAnonymousDonor(fund=context["fund"].name)
    return render_template("pledges/reminder.html", place=place_of(context["fund"]), **context)


def place_of(fund: Unit) -> str:
    """The place on a letter's date line: the fund's name without its level ("Xã Chương
    Dương" → "Chương Dương")."""
    for prefix in ("Thành phố ", "Thị trấn ", "Phường ", "Huyện ", "Tỉnh ", "Quận ", "Xã "):
        if fund.name.startswith(prefix):
            return fund.name[len(prefix) :]
    return fund.name
