"""Campaign charts as PNG: data from ``services.charts``, drawn by ``exports.charts``.

A chart is drawn once per data version and kept on disk under ``instance/cache/charts``
(shared by every worker, kept across restarts); the version moves with every posting, void,
quota or name under the chart's unit, so a kept chart is never stale. The browser gets the
version as an ETag and is answered 304 while it holds the same."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import get_locale, gettext
from flask_login import login_required

from ..db import get_session
from ..exports.charts import Translate, draw
from ..filecache import cached, key_of
from ..services.charts import CHARTS, chart_data, data_version
from .common import as_of, visible_campaign

bp = Blueprint("charts", __name__, url_prefix="/campaigns")
_DRAW_LOCK = threading.Lock()  # threaded workers: matplotlib draws one chart at a time


def cache_folder() -> Path:
    """Where drawn charts are kept."""
    return Path(current_app.instance_path) / "cache" / "charts"


@bp.route("/<int:campaign_id>/charts/<name>.png")
@login_required
def show(campaign_id: int, name: str):
    """A chart, drawn only when what it shows changed."""
    session, (campaign, focus) = get_session(), visible_campaign(campaign_id)
    if name not in CHARTS:
        abort(404)
    day = as_of(campaign)
    key = key_of(
        name,
        campaign.id,
        focus,
        day,
        data_version(session, campaign, focus),
        str(get_locale()),
    )
    if key in request.if_none_match:
        return _answer(Response(status=304), key)

    def make() -> bytes:
        with _DRAW_LOCK:
            chart = chart_data(session, name, campaign=campaign, as_of=day, focus_id=focus)
            return draw(chart, Translate(gettext, str(get_locale())))

    return _answer(Response(cached(cache_folder(), key, make), mimetype="image/png"), key)


def _answer(response: Response, key: str) -> Response:
    response.set_etag(key)
    response.headers["Cache-Control"] = "private, no-cache"  # ask again, 304 while unchanged
    return response
