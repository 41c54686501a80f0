"""Public campaign pages: no sign-in, no personal data — only units, amounts and categories."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..db import get_session
from ..models import Campaign, Unit
from ..services.anchors import current_heads
from ..services.progress import campaign_progress
from ..services.reports import spent_by_category

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.route("/")
def index():
    """Every campaign, newest first."""
    rows = (
        get_session()
        .exec(
            select(Campaign, Unit)
            .join(Unit, Unit.id == Campaign.unit_id)
            .order_by(Campaign.year.desc(), Unit.name)
        )
        .all()
    )
    return render_template("public/index.html", rows=rows)


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """Target, collected, rate per unit and spending by category."""
    session = get_session()
    found = session.get(Campaign, campaign_id)
    if found is None:
        abort(404)
    progress = campaign_progress(session, campaign_id=found.id)
    funds = [found.unit_id, *(row.unit_id for row in progress.rows)]
    return render_template(
        "public/campaign.html",
        p=progress,
        spent=spent_by_category(
            session, root_id=found.unit_id, start=found.starts_on, end=progress.as_of
        ),
        heads=current_heads(session, funds),
    )
