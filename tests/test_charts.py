"""Campaign charts: PNG images, cached, labels drawn as typed; data from services.charts (what
bench calls), drawn by exports.charts."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.exports.charts import category_chart, draw, progress_chart
from ledger.services.campaigns import find_campaign
from ledger.services.charts import CHARTS, chart_data, data_version


def test_charts_are_png_and_cached(client, demo, make_user, login, monkeypatch):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    for name in ("progress", "cumulative", "categories", "yoy"):
        response = client.get(f"/campaigns/{demo.id}/charts/{name}.png")
        assert response.status_code == 200 and response.data[:4] == b"\x89PNG"
    drawn = _count_draws(monkeypatch)
    again = client.get(f"/campaigns/{demo.id}/charts/progress.png")
    assert again.status_code == 200 and again.data[:4] == b"\x89PNG" and drawn == []


def _count_draws(monkeypatch) -> list:
    """Record each chart drawn (a cached chart is not drawn again)."""
    import ledger.views.charts as view

    drawn: list = []
    real = view.draw

    def counting(chart, *words):
        drawn.append(chart.kind)
        return real(chart, *words)

    monkeypatch.setattr(view, "draw", counting)
    return drawn


def _chart(client, campaign_id: int, name: str = "progress", etag: str | None = None):
    headers = {"If-None-Match": f'"{etag}"'} if etag else {}
    response = client.get(f"/campaigns/{campaign_id}/charts/{name}.png", headers=headers)
    return response, response.get_etag()[0]


def test_a_new_receipt_or_a_void_redraws_the_chart(
    app, client, session, demo, make_user, make_receipt, login, monkeypatch
):
    """The chart is kept on disk until something it draws changes: a receipt posted in the
    campaign's tree, then its void, each give a new chart; the browser's copy is answered 304
    while nothing changed."""
    from ledger.services.receipts import void_receipt

    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    drawn = _count_draws(monkeypatch)
    first, etag = _chart(client, demo.id)
    assert first.status_code == 200 and drawn == ["progress"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    unchanged, same = _chart(client, demo.id, etag=etag)
    assert unchanged.status_code == 304 and same == etag and drawn == ["progress"]

    receipt = make_receipt("TT-CHUONGDUONG", amount=250_000_000, on=date(2018, 4, 2))
    session.commit()
    posted, after_post = _chart(client, demo.id, etag=etag)
    assert posted.status_code == 200 and after_post != etag
    assert posted.data != first.data and drawn == ["progress", "progress"]

    void_receipt(session, receipt_id=receipt.id, reason="ghi nhầm")
    session.commit()
    voided, after_void = _chart(client, demo.id, etag=after_post)
    assert voided.status_code == 200 and after_void not in (etag, after_post)
    assert voided.data != posted.data and len(drawn) == 3


def test_a_chart_elsewhere_in_the_tree_is_kept(
    client, session, demo, make_user, make_receipt, login, monkeypatch
):
    """A commune's chart depends on its own tree: a receipt in another commune's fund does not
    redraw it, one in its own does."""
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.cd")
    drawn = _count_draws(monkeypatch)
    _first, etag = _chart(client, demo.id, "cumulative")
    make_receipt("TT-DUNGTIEN", amount=5_000_000, on=date(2018, 4, 2))
    session.commit()
    kept, same = _chart(client, demo.id, "cumulative", etag=etag)
    assert kept.status_code == 304 and same == etag and drawn == ["cumulative"]
    make_receipt("TT-CHUONGDUONG", amount=5_000_000, on=date(2018, 4, 2))
    session.commit()
    redrawn, moved = _chart(client, demo.id, "cumulative", etag=etag)
    assert redrawn.status_code == 200 and moved != etag and drawn == ["cumulative"] * 2


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
    before = data_version(session, campaign)
    commune_before = data_version(session, campaign, unit("TT-CHUONGDUONG").id)
    set_quota(
        session, campaign_id=campaign.id, unit_id=unit("TT-CHUONGDUONG").id, amount=12_000_000
    )
    assert data_version(session, campaign) != before
    # the quota is the campaign unit's event: a commune's view of the campaign moves too
    assert data_version(session, campaign, unit("TT-CHUONGDUONG").id) != commune_before
