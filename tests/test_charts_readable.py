"""Charts a user can read: Vietnamese marks legible (the font pinned, no text under the
minimum size), legend colours that match the bars, an empty chart that says so, ticks with a
decimal comma; and the two charts asked for next (children helped per category, cumulative
collected against each report period's target), on the dashboard."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from matplotlib import font_manager
from matplotlib.colors import to_hex
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from ledger.exports.charts import (
    BAD,
    BRAND,
    DPI,
    FONT,
    LABEL_PT,
    NO_SPENDING,
    category_figure,
    children_figure,
    figure_of,
    millions,
    png,
    progress_figure,
)
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.charts import CHARTS, chart_data
from ledger.services.disbursements import DisbursementInput, draft_disbursement, pay_disbursement
from ledger.services.units import find_unit

ROWS = [("Xã Hà Hồi", 10_000_000, 12_500_000), ("Xã Hồng Vân", 10_000_000, 2_500_000)]


def drawn_texts(figure) -> list[Text]:
    """Every text the figure draws (tick labels exist only once drawn; an axis switched off
    draws none of its own)."""
    png(figure)
    texts: list[Text] = list(figure.texts)
    for axes in figure.axes:
        texts += [axes.title, axes._left_title, axes._right_title, *axes.texts]
        if axes.get_legend():
            texts += axes.get_legend().get_texts()
        if axes.axison:
            texts += [*axes.get_xticklabels(), *axes.get_yticklabels()]
            texts += [axes.xaxis.label, axes.yaxis.label]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def test_every_text_is_dejavu_sans_at_a_legible_size():
    file = font_manager.findfont(FontProperties(family=FONT), fallback_to_default=False)
    assert Path(file).name == "DejaVuSans.ttf"
    for figure in (progress_figure(ROWS, title="Tiến độ"), category_figure([], title="Chi")):
        texts = drawn_texts(figure)
        assert "Xã Hà Hồi" in [t.get_text() for t in texts] or figure.axes[0].axison is False
        for text in texts:
            assert text.get_fontname() == "DejaVu Sans", text.get_text()
            # 10 pt at 100 dpi: 14 px, where the stacked marks of ồ, ấ, ệ stay apart
            assert text.get_fontsize() >= LABEL_PT, text.get_text()
            assert text.get_fontsize() * DPI / 72 >= 13.5


def test_the_legend_colours_are_the_bars_colours():
    figure = progress_figure(ROWS, title="Tiến độ")
    axes = figure.axes[0]
    bars = {
        to_hex(p.get_facecolor())
        for p in axes.patches
        if isinstance(p, Rectangle) and p.get_width() > 0
    }
    assert bars == {BRAND, BAD}  # Hà Hồi reached its quota, Hồng Vân did not
    legend = axes.get_legend()
    keys = {
        t.get_text(): to_hex(h.get_facecolor())
        for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
        if hasattr(h, "get_facecolor") and t.get_text().startswith("Đã vận động")
    }
    assert keys == {"Đã vận động (đạt chỉ tiêu)": BRAND, "Đã vận động (chưa đạt)": BAD}


def test_an_empty_spending_chart_says_so():
    figure = category_figure([], title="Chi theo khoản")
    texts = [t.get_text() for t in drawn_texts(figure)]
    assert NO_SPENDING in texts
    assert not figure.axes[0].axison  # no bare 0–1 axis
    assert texts == ["Chi theo khoản", NO_SPENDING]


def test_ticks_in_millions_with_a_decimal_comma():
    assert millions(2_500_000) == "2,5 tr"
    assert millions(2_000_000) == "2 tr"
    assert millions(1_250_000_000) == "1.250 tr"
    assert millions(-500_000) == "-0,5 tr"
    assert millions(2_500_000, decimal=".") == "2.5 tr"
    figure = progress_figure([("Xã A", 3_000_000, 2_500_000)], title="t")
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()] if png(figure) else []
    assert "2,5 tr" in ticks and "2 tr" in ticks


def test_children_helped_per_category(session, demo):
    """The demo's heart-surgery child counts once, though paid twice; a voided payout and a
    draft do not count; a group gift counts its children."""
    commune = find_unit(session, "TT-CHUONGDUONG")
    child = create_beneficiary(
        session,
        unit_id=commune.id,
        data=BeneficiaryInput(full_name="Lê Văn Hai", birth_date=date(2012, 3, 4), sex="male"),
    )

    def pay(category_id, amount, beneficiary_id=None, count=None, paid=True):
        item = draft_disbursement(
            session,
            unit_id=commune.id,
            data=DisbursementInput(
                disbursement_date=date(2018, 7, 1),
                category_id=category_id,
                payee_name="Gia đình",
                beneficiary_id=beneficiary_id,
                amount=None if count else amount,
                reason="Hỗ trợ",
                children_count=count,
                amount_each=amount // count if count else None,
            ),
        )
        if paid:
            item.status = "approved"
            pay_disbursement(session, disbursement_id=item.id, on=date(2018, 7, 2))
        return item

    first = chart_data(session, "children", campaign=demo, as_of=date(2018, 12, 31))
    assert [(r[1], r[2]) for r in first.rows] == [(1, 0)]
    heart = first.rows[0][0]
    pay(1, 1_000_000, beneficiary_id=first_child(session))  # the same child again
    pay(1, 1_000_000, beneficiary_id=child.id, paid=False)  # a draft
    pay(2, 2_000_000, count=4)
    session.flush()
    rows = chart_data(session, "children", campaign=demo, as_of=date(2018, 12, 31)).rows
    assert (heart, 1, 0) in rows
    assert any(r[1:] == (0, 4) for r in rows)
    earlier = chart_data(session, "children", campaign=demo, as_of=date(2018, 5, 31)).rows
    assert earlier == []  # paid on 02/06 and 02/07: nothing yet at the end of May
    texts = [t.get_text() for t in drawn_texts(children_figure(rows, title="Trẻ em"))]
    assert heart in texts and "Trẻ nhận quà theo nhóm" in texts


def first_child(session) -> int:
    from sqlmodel import select

    from ledger.models import Beneficiary

    return session.exec(select(Beneficiary.id).order_by(Beneficiary.id)).first()


def test_cumulative_against_each_periods_target(session, demo):
    """2018's reports cut off on 30/04, 31/07 and 31/10: each asks the target's share of the
    year passed by then; the line is the collected total day by day."""
    chart = chart_data(session, "periods", campaign=demo, as_of=date(2018, 12, 31))
    target = demo.target
    assert [(s[0], s[1]) for s in chart.steps] == [
        ("Báo cáo 6 tháng", date(2018, 4, 30)),
        ("Báo cáo 9 tháng", date(2018, 7, 31)),
        ("Báo cáo năm", date(2018, 10, 31)),
    ]
    assert [s[2] for s in chart.steps] == [
        round(target * 120 / 365),
        round(target * 212 / 365),
        round(target * 304 / 365),
    ]
    figure = figure_of(chart)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    steps = lines["Chỉ tiêu theo kỳ"].get_ydata()
    assert list(steps)[-1] == target and sorted(steps) == list(steps)
    collected = lines["Đã vận động (cộng dồn)"].get_ydata()
    assert collected[-1] == sum(a for _, a in chart.days) > 0
    texts = [t.get_text() for t in drawn_texts(figure)]
    assert {"Báo cáo 6 tháng", "Báo cáo năm"} <= set(texts)


def test_the_new_charts_are_on_the_dashboard_and_cached(client, demo, make_user, login):
    assert {"children", "periods"} <= set(CHARTS)
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    html = client.get(f"/campaigns/{demo.id}").get_data(as_text=True)
    for name, alt in (
        ("children", "Trẻ em được hỗ trợ theo khoản chi"),
        ("periods", "Cộng dồn so với chỉ tiêu từng kỳ báo cáo"),
    ):
        assert f"/charts/{name}.png" in html and f'alt="{alt}"' in html
        response = client.get(f"/campaigns/{demo.id}/charts/{name}.png")
        assert response.status_code == 200 and response.data[:4] == b"\x89PNG"
        etag = response.get_etag()[0]
        again = client.get(
            f"/campaigns/{demo.id}/charts/{name}.png", headers={"If-None-Match": f'"{etag}"'}
        )
        assert again.status_code == 304


def test_a_chart_speaks_the_readers_language(session, demo):
    """In English the title, the legend and the axis read English, amounts in "M" with a
    decimal point; in Vietnamese nothing of it is English."""
    from ledger.exports.charts import Translate

    translations = {
        "Tiến độ vận động đến %(day)s": "Fundraising progress as of %(day)s",
        "Chỉ tiêu": "Quota",
        "Đã vận động (chưa đạt)": "Raised (quota not met)",
        "Đã vận động (đạt chỉ tiêu)": "Raised (quota met)",
    }
    chart = chart_data(session, "progress", campaign=demo, as_of=date(2018, 12, 31))
    english = figure_of(chart, Translate(lambda m: translations.get(m, m), "en"))
    texts = {t.get_text() for t in drawn_texts(english)}
    assert "Fundraising progress as of 31/12/2018" in texts
    assert "Quota" in texts and not any("Chỉ tiêu" in t for t in texts)
    assert any(t.endswith(" M") for t in texts) and not any(t.endswith(" tr") for t in texts)
    vietnamese = {t.get_text() for t in drawn_texts(figure_of(chart))}
    assert "Tiến độ vận động đến 31/12/2018" in vietnamese and "Quota" not in vietnamese
    assert any(t.endswith(" tr") for t in vietnamese)
