"""Public campaign pages: no sign-in, no personal data — only units, amounts and categories.

A campaign's figures are rendered once per data version of its unit (``services.versions``:
any posting, void, quota or name change under it moves it) and per language and day, kept on
disk under ``instance/cache/public``; the page around them (menu, language links) is rendered
for each request."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup

from ..db import get_session
from ..filecache import cached, key_of
from ..i18n import select_locale
from ..models import Campaign
from ..services.campaigns import campaign_list
from ..services.reports import public_figures
from ..services.versions import unit_version

bp = Blueprint("public", __name__, url_prefix="/public")


def cache_folder() -> Path:
    """Where rendered public figures are kept."""
    return Path(current_app.instance_path) / "cache" / "public"


@bp.route("/")
def index():
    """Every campaign, newest first."""
    return render_template("public/index.html", rows=campaign_list(get_session()))


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """Target, collected, rate per unit and spending by category."""
    session = get_session()
    found = session.get(Campaign, campaign_id)
    if found is None:
        abort(404)
    key = key_of(
        "public", found.id, select_locale(), date.today(), unit_version(session, found.unit_id)
    )

    def make() -> bytes:
        figures = public_figures(session, found.id)
        if figures is None:  # pragma: no cover - the campaign was read above
            abort(404)
        return render_template(
            "public/_campaign_body.html",
            p=figures.progress,
            spent=figures.spent,
            heads=figures.heads,
        ).encode()

    body = Markup(cached(cache_folder(), key, make).decode())
    return render_template("public/campaign.html", body=body, title=found.name)
