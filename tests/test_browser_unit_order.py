"""In the browser: the dashboard lists the communes in the official order, sorts them the
Vietnamese way when asked, and shows every chart; the quota screen names units as every
other screen does, its radio buttons beside their labels."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ledger.services.campaigns import find_campaign
from ledger.services.unit_order import name_key
from ledger.services.units import find_unit
from tests.browser import _shots, _sign_in

pytestmark = pytest.mark.browser
SEED = Path(__file__).resolve().parents[1] / "seed"


def official_names() -> list[str]:
    with (SEED / "units.csv").open(encoding="utf-8") as f:
        return [r["name"] for r in csv.DictReader(f) if r["parent_code"] == "TT"]


@pytest.fixture
def desk(browser, live_server, make_user):
    make_user("duyet.tt", "reviewer", "TT")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    _sign_in(page, live_server.url, "duyet.tt")
    yield page
    context.close()


def unit_column(page) -> list[str]:
    return page.locator("#units tbody tr td:first-child").all_inner_texts()


def sort_by_name(page) -> None:
    """Click the "Đơn vị" header and wait for the page it opens."""
    with page.expect_navigation():
        page.click("#units thead th:first-child a")


def test_dashboard_in_official_order_then_by_name_and_its_charts(desk, live_server, demo):
    desk.goto(f"{live_server.url}/campaigns/{demo.id}")
    assert unit_column(desk) == official_names()
    sort_by_name(desk)
    by_name = unit_column(desk)
    assert by_name == sorted(official_names(), key=name_key)
    assert by_name.index("Xã Dũng Tiến") < by_name.index("Xã Duyên Thái")
    assert by_name.index("Xã Văn Bình") < by_name.index("Xã Vân Tảo")
    assert by_name.index("Xã Thư Phú") < by_name.index("Thị trấn Thường Tín")
    sort_by_name(desk)  # again: Z to A
    assert unit_column(desk) == by_name[::-1]

    images = desk.locator(".charts img")
    alts = images.evaluate_all("els => els.map(e => e.alt)")
    assert "Trẻ em được hỗ trợ theo khoản chi" in alts
    assert "Cộng dồn so với chỉ tiêu từng kỳ báo cáo" in alts
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    desk.wait_for_function(
        "() => [...document.querySelectorAll('.charts img')]"
        ".every(i => i.complete && i.naturalWidth > 300)"
    )
    # shown at the size drawn, so the labels are the 10 pt (14 px) the charts were drawn at,
    # not shrunk into a third of the page; a tap opens the picture alone
    scales = images.evaluate_all("els => els.map(e => e.clientWidth / e.naturalWidth)")
    assert all(scale > 0.99 for scale in scales), scales
    links = desk.locator(".charts a").evaluate_all("els => els.map(e => e.href)")
    assert all(link.split("?")[0].endswith(".png") for link in links) and len(links) == len(alts)
    desk.locator(".charts").screenshot(path=str(_shots() / "dashboard-charts.png"))


def test_quota_screen_names_and_radios(desk, live_server, session):
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    desk.goto(f"{live_server.url}/campaigns/{campaign.id}/quotas")
    labels = desk.locator("#quotas tbody td:first-child label").all_inner_texts()
    assert labels == official_names()
    body = desk.locator("#quotas").inner_text()
    # the annex's spelling stays visible, muted, where it differs from the unit's name
    assert "Xã Nhị Khê" in labels and "(phụ lục: XÃ NHỊ KHÈ)" in body
    assert "(phụ lục: THỊ TRẤN)" in body and "XÃ CHƯƠNG DƯƠNG" not in body
    for choice in desk.locator("fieldset label.choice").all():
        radio = choice.locator("input[type=radio]").bounding_box()
        text = choice.locator("span").bounding_box()
        assert 0 <= text["x"] - (radio["x"] + radio["width"]) <= 16
        middle = lambda box: box["y"] + box["height"] / 2  # noqa: E731
        assert abs(middle(text) - middle(radio)) <= 6
    desk.locator("#quota-form fieldset").screenshot(path=str(_shots() / "quota-radios.png"))
