"""The campaign page: target, quotas, headroom, collected, spending and the child units' table."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..db import get_session
from ..filter_forms import CampaignPageForm
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
        as_of=day,
    )
