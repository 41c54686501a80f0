"""Campaign charts: PNG images, cached, labels drawn as typed; data from services.charts (what
bench calls), drawn by exports.charts."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.exports.charts import category_chart, draw, progress_chart
from ledger.services.campaigns import find_campaign
from ledger.services.charts import CHARTS, chart_data, data_version


def test_charts_are_png_and_cached(client, demo, make_user, login):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    for name in ("progress", "cumulative", "categories", "yoy"):
        response = client.get(f"/campaigns/{demo.id}/charts/{name}.png")
        assert response.status_code == 200 and response.data[:4] == b"\x89PNG"
    from ledger.views.charts import _CHART_CACHE

    before = len(_CHART_CACHE)
    client.get(f"/campaigns/{demo.id}/charts/progress.png")
    assert len(_CHART_CACHE) == before


def test_mathtext_in_a_label_is_drawn_as_typed():
    for label in ("$x^$", "Chi $\\frac{ thử", "$$", "a$b$c"):
        assert category_chart([(label, 1_000_000)], title=label).startswith(b"\x89PNG")
        assert progress_chart([(label, 10, 5)], title=label).startswith(b"\x89PNG")


def test_every_chart_is_data_then_a_png(session, unit):
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    for name in CHARTS:
        data = chart_data(session, name, campaign=campaign, as_of=date(2018, 12, 31))
        assert data.kind == name and data.title
        assert draw(data)[:4] == b"\x89PNG"
    progress = chart_data(session, "progress", campaign=campaign, as_of=date(2018, 12, 31))
    assert len(progress.rows) == 29 and sum(r[1] for r in progress.rows) == 290_000_000


def test_an_unknown_chart_is_no_chart(session, unit):
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    with pytest.raises(KeyError):
        chart_data(session, "pie", campaign=campaign, as_of=date(2018, 12, 31))


def test_the_cache_key_moves_with_the_quotas(session, unit):
    from ledger.services.campaigns import set_quota

    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    before = data_version(session)
    set_quota(
        session, campaign_id=campaign.id, unit_id=unit("TT-CHUONGDUONG").id, amount=12_000_000
    )
    assert data_version(session) != before
