"""In the browser: a reviewer opens the dashboard, sees the 29 communes, downloads the workbook."""

import io
import re
from pathlib import Path

import openpyxl
import pytest

from ledger.services.campaigns import find_campaign
from ledger.services.units import find_unit
from tests.test_browser_payouts import _sign_in
from tests.test_browser_receipts import _shots
from tests.test_campaigns import commune_quota, province  # noqa: F401  (fixtures)

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


def test_reports_and_estimated_notes_fit_a_phone(browser, live_server, commune_quota, session):
    """At 390 px the period report's tables scroll inside their box and a long "ước tính" list of
    predecessors wraps: the page itself is never wider than the phone (issue #12)."""
    from datetime import date

    from sqlalchemy import select

    from ledger.models import ReportPeriod
    from ledger.services.units import create_unit, record_succession

    top, n1 = commune_quota.unit_id, find_unit(session, "TP-N1")
    for i in range(6):  # a successor of many communes, as Xã Thường Tín is of eight
        old = create_unit(
            session,
            code=f"TP-O{i}",
            name=f"Xã Cũ Có Tên Khá Dài Số {i}",
            level="commune",
            parent_id=top,
            valid_from=date(2000, 1, 1),
            valid_to=date(2025, 6, 30),
        )
        record_succession(
            session,
            predecessor_id=old.id,
            successor_id=n1.id,
            effective_on=date(2025, 7, 1),
            share_bp=10000 if i % 2 else 5000,
            legal_basis="Nghị quyết thử",
        )
    session.commit()
    period = (
        session.exec(select(ReportPeriod).where(ReportPeriod.campaign_id == commune_quota.id))
        .scalars()
        .one()
    )
    base = live_server.url
    for username in ("duyet.tinh", "thuquy.nhat"):
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        _sign_in(page, base, username)
        for path in (
            f"/campaigns/{commune_quota.id}?as_of=30/06/2026",
            f"/campaigns/{commune_quota.id}/reports/{period.id}",
        ):
            page.goto(base + path)
            assert "ước tính" in page.inner_text("main")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (username, path, width)
        page.screenshot(path=str(_shots() / f"report-phone-{username}.png"), full_page=True)
        # "In báo cáo" prints the report on A4 landscape (the vouchers' A5 is for vouchers)
        pdf = page.pdf(prefer_css_page_size=True)
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert box and (round(float(box[1])), round(float(box[2]))) == (842, 595), box
        context.close()
