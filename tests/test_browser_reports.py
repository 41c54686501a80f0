"""In the browser, on a phone: period reports and their estimated notes fit the screen."""

import re

import pytest

from ledger.services.units import find_unit
from tests.browser import _shots, _sign_in
from tests.test_campaigns import commune_quota, province  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


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
