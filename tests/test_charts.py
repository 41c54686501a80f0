"""Campaign charts: data from services.charts (what bench calls), drawn by exports.charts."""

from datetime import date

import pytest

from ledger.exports.charts import draw
from ledger.services.campaigns import find_campaign
from ledger.services.charts import CHARTS, chart_data, data_version


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
