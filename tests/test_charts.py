"""Campaign charts: PNG images, cached, labels drawn as typed."""

from __future__ import annotations

from ledger.exports.charts import category_chart, progress_chart


def test_charts_are_png_and_cached(client, demo, make_user, login):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    for name in ("progress", "cumulative", "categories", "yoy"):
        response = client.get(f"/campaigns/{demo.id}/charts/{name}.png")
        assert response.status_code == 200 and response.data[:4] == b"\x89PNG"
    from ledger.views.dashboard import _CHART_CACHE

    before = len(_CHART_CACHE)
    client.get(f"/campaigns/{demo.id}/charts/progress.png")
    assert len(_CHART_CACHE) == before


def test_mathtext_in_a_label_is_drawn_as_typed():
    for label in ("$x^$", "Chi $\\frac{ thử", "$$", "a$b$c"):
        assert category_chart([(label, 1_000_000)], title=label).startswith(b"\x89PNG")
        assert progress_chart([(label, 10, 5)], title=label).startswith(b"\x89PNG")
