"""In the browser: a reviewer opens the dashboard, sees the 29 communes, downloads the workbook."""

import io
from pathlib import Path

import openpyxl
import pytest

from ledger.services.campaigns import find_campaign
from ledger.services.units import find_unit
from tests.browser import _shots, _sign_in

pytestmark = pytest.mark.browser


def test_reviewer_dashboard_and_workbook(browser, live_server, make_user, runner, session):
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    make_user("duyet.tt", "reviewer", "TT")
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    _sign_in(page, base, "duyet.tt")
    page.click("text=Xem bảng theo dõi")
    page.wait_for_selector("#units")
    assert page.locator("#units tbody tr").count() == 29
    assert page.locator("#headroom").inner_text() == "+90.000.000 đ (145,0%)"
    page.screenshot(path=str(_shots() / "dashboard.png"), full_page=False)
    with page.expect_download() as info:
        page.click("text=Tải bảng đối chiếu (Excel)")
    data = Path(info.value.path()).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["Đối chiếu chỉ tiêu"]["B1"].value == "Huyện Thường Tín"
    assert all(row[3] == "OK" for row in book["Kiểm tra"].iter_rows(min_row=2, values_only=True))
    context.close()
    assert campaign is not None
