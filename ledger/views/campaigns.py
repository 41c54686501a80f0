"""The campaign page: target, quotas, headroom, collected, spending and the child units' table."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import login_required
from markupsafe import Markup

from ..auth import scope_ids
from ..db import get_session
from ..errors import LedgerError
from ..exports.qr import qr_svg
from ..filter_forms import CampaignPageForm
from ..services.donation_codes import donation_code, open_accounts_of
from ..services.reports import campaign_overview
from .common import as_of, read_filters, visible_campaign

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.route("/<int:campaign_id>")
@login_required
def show(campaign_id: int):
    """Target, quotas, headroom, collected, spending and the child units' table."""
    campaign, focus = visible_campaign(campaign_id)
    form = read_filters(CampaignPageForm())
    day = as_of(campaign, form)
    view = campaign_overview(
        get_session(),
        campaign,
        as_of=day,
        focus_id=focus,
        sort=form.sort.data or "official",
        descending=form.dir.data == "desc",
    )
    return render_template(
        "campaigns/show.html",
        p=view.progress,
        rows=view.rows,
        sort=form.sort.data or "official",
        expected=view.expected,
        behind=view.behind,
        projection=view.projection,
        spent=view.spent,
        same=view.same,
        same_rows=view.same_rows,
        periods=view.periods,
        child_campaigns=view.child_campaigns,
        children=view.children,
        as_of=day,
        donations=_donation_codes(view.progress),
    )


def _donation_codes(progress) -> dict:
    """The campaign's donation QR codes for the funds in scope (issue #16): the page's own
    fund's code, inline, and each fund's account to print a poster of; the reference carries
    the campaign, so the statement matcher assigns such donations to it."""
    funds = [(progress.unit.id, progress.unit.name)]
    funds += [(row.unit_id, row.name) for row in progress.rows]
    visible = scope_ids()
    ids = [unit_id for unit_id, _name in funds if unit_id in visible]
    accounts = open_accounts_of(get_session(), ids, today=date.today())
    listed = [(name, accounts[unit_id]) for unit_id, name in funds if unit_id in accounts]
    own, svg = None, None
    if progress.unit.id in accounts:
        try:
            own = donation_code(accounts[progress.unit.id], campaign_id=progress.campaign.id)
            svg = Markup(qr_svg(own.payload, title="VietQR"))
        except LedgerError:  # an account number VietQR cannot carry: the list still shows it
            own = None
    return {"listed": listed, "own": own, "svg": svg}
