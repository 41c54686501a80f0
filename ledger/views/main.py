"""Home: the campaigns in the user's scope with where each stands."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth import scope_ids
from ..db import get_session
from ..services.campaigns import campaigns_for
from ..services.costs import management_costs
from ..services.progress import campaign_progress

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Signed in: campaign summaries; otherwise the sign-in page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("main/home.html", summaries=_summaries())


def _summaries():
    session = get_session()
    scope = scope_ids()
    summaries = []
    for campaign, _unit in campaigns_for(session, scope, holder_id=current_user.unit_id):
        focus = None if campaign.unit_id in scope else current_user.unit_id
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
