"""Campaign charts as PNG: data from ``services.charts``, drawn by ``exports.charts``."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from flask import Blueprint, abort, request, send_file
from flask_login import login_required

from ..db import get_session
from ..exports.charts import draw
from ..services.charts import CHARTS, chart_data, data_version
from .common import as_of, visible_campaign

bp = Blueprint("charts", __name__, url_prefix="/campaigns")
_CHART_CACHE: OrderedDict = OrderedDict()
_CHART_LOCK = threading.Lock()


@bp.route("/<int:campaign_id>/charts/<name>.png")
@login_required
def show(campaign_id: int, name: str):
    """A chart, rebuilt only when the journal or the quotas changed."""
    session, (campaign, focus) = get_session(), visible_campaign(campaign_id)
    if name not in CHARTS:
        abort(404)
    day = as_of(campaign)
    key = (name, campaign.id, focus, day, data_version(session), request.accept_languages.best)
    png = _CHART_CACHE.get(key)
    if png is None:
        with _CHART_LOCK:  # threaded workers: matplotlib draws one chart at a time
            png = _CHART_CACHE.get(key) or draw(
                chart_data(session, name, campaign=campaign, as_of=day, focus_id=focus)
            )
            _CHART_CACHE[key] = png
            while len(_CHART_CACHE) > 64:
                _CHART_CACHE.popitem(last=False)
    return send_file(io.BytesIO(png), mimetype="image/png")
