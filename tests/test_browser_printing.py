"""In Chromium's print (issue #18): each printable page comes out on its own paper — the voucher
on A5, the cash book on A4 portrait, the period report on A4 landscape — with page numbers and,
on books and reports, the signature block."""

import io

import pytest
from pypdf import PdfReader

from tests.browser import _sign_in
from tests.test_printing import _period_of, a_day, select_number  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

#: paper in mm (width, height) as Chromium prints it from the page's @page rule
A5, A4, A4_LANDSCAPE = (148, 210), (210, 297), (297, 210)


def _printed(page, url) -> tuple[tuple[int, int], str]:
    """The page printed by Chromium with its own page size: the first sheet's size, the text."""
    page.goto(url)
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    box = reader.pages[0].mediabox
    size = (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4))
    return size, "\n".join(p.extract_text() for p in reader.pages)


def test_each_printable_page_names_its_paper(browser, live_server, a_day, session):
    from ledger.models import Receipt

    base, context = live_server.url, browser.new_context()
    page = context.new_page()
    _sign_in(page, base, "thuquy.a")
    receipt = session.exec(select_number(Receipt, a_day.unit_id, 1)).one()
    size, text = _printed(page, f"{base}/receipts/{receipt.id}")
    assert size == A5 and "PHIẾU THU" in text and "Hủy phiếu" not in text
    size, text = _printed(page, f"{base}/books/{a_day.unit_id}/cash?from=01/01/2018&to=31/12/2018")
    assert size == A4 and "Người ghi sổ" in text and "Thủ trưởng đơn vị" in text
    assert "Tải Excel" not in text  # the buttons and the filter form stay off paper
    period = _period_of(session, a_day.unit_id)
    url = f"{base}/campaigns/{period.campaign_id}/reports/{period.id}"
    size, text = _printed(page, url)
    assert size == A4_LANDSCAPE and "Người lập biểu" in text
    assert "1 / 1" in text  # the page number in the foot margin
    context.close()
