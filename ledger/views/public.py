"""Public campaign pages: no sign-in, no personal data — only units, amounts and categories."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..db import get_session
from ..services.campaigns import all_campaigns
from ..services.reports import public_figures

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.route("/")
def index():
    """Every campaign, newest first."""
    return render_template("public/index.html", rows=all_campaigns(get_session()))


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """Target, collected, rate per unit and spending by category."""
    figures = public_figures(get_session(), campaign_id)
    if figures is None:
        abort(404)
    return render_template(
        "public/campaign.html", p=figures.progress, spent=figures.spent, heads=figures.heads
    )
