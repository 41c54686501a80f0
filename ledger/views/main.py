"""Home: the campaigns of the user's own unit in full, those of the units below in a table."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth import tree
from ..db import get_session
from ..services.campaigns import campaigns_for
from ..services.costs import management_costs
from ..services.progress import campaign_progress, campaign_summaries, campaigns_below

bp = Blueprint("main", __name__)

#: lines of the table of the campaigns below the user's unit
PER_PAGE = 20


@bp.route("/")
def home():
    """Signed in: the own unit's campaigns (and those in which it holds a quota) with where
    each stands, then a page of the campaigns of the units below; otherwise the sign-in page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    session = get_session()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    below, total = campaigns_below(
        session, current_user.unit_id, page=page, per_page=PER_PAGE, version=tree()
    )
    return render_template(
        "main/home.html",
        summaries=_own_summaries() if page == 1 else [],
        below=campaign_summaries(session, below),
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
    )


def _own_summaries():
    """The full figures of the user's own unit's campaigns and of higher levels' campaigns in
    which it holds a quota (its own focused figures)."""
    session = get_session()
    own = current_user.unit_id
    summaries = []
    for campaign, _unit in campaigns_for(session, {own}, holder_id=own):
        focus = None if campaign.unit_id == own else own
        summaries.append(
            (
                campaign_progress(session, campaign_id=campaign.id, focus_id=focus),
                management_costs(session, unit_id=focus or campaign.unit_id, year=campaign.year),
            )
        )
    return summaries


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch between Vietnamese and English and go back."""
    from flask import session

    if code in ("vi", "en"):
        session["lang"] = code
    referrer = request.referrer or ""
    host = request.host_url
    return redirect(referrer if referrer.startswith(host) else url_for("main.home"))
