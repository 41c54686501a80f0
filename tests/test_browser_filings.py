"""In the browser, in Vietnamese, two-tier (province → commune): a commune files its 6-month
report, the province returns it with a comment, the commune refiles (issue #18)."""

import pytest

from tests.browser import _sign_in
from tests.test_campaigns import commune_quota, province  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_file_return_and_refile_a_report(browser, live_server, commune_quota):
    base = live_server.url
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, "thuquy.nhat")
    page.goto(base + "/campaigns/reports")
    page.click("text=Nộp báo cáo")
    assert "Xã Nhất" in page.inner_text("#lock-note")  # the books it closes are named
    page.fill("input[name=number]", "3/bc-ubnd")
    page.fill("textarea[name=difficulties]", "Doanh nghiệp trên địa bàn ủng hộ ít hơn năm trước.")
    page.fill("input[name=signer_name]", "Trần Văn Nhất")
    page.click("text=Nộp báo cáo và khóa sổ")
    page.wait_for_selector("#filing")
    assert "Nộp muộn" in page.inner_text("#filing")  # due 15/07/2026, filed in December
    assert "3/BC-UBND" in page.inner_text("h1")
    with page.expect_download() as download:
        page.click("text=Tải .docx")
    assert download.value.suggested_filename.endswith("TP-N1-v1.docx")
    context.close()

    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, "duyet.tinh")
    page.goto(base + "/campaigns/reports")
    page.click("text=Tình hình nộp")
    assert "Nộp muộn" in page.inner_text("tr[data-unit=TP-N1]")
    assert "Chưa nộp (quá hạn)" in page.inner_text("tr[data-unit=TP-N2]")
    page.click("text=3/BC-UBND")
    page.click("#return-form button")  # no comment: the browser asks for one first
    assert page.evaluate("document.querySelector('textarea[name=comment]').validity.valueMissing")
    assert "Bị trả lại" not in page.inner_text("#filing")
    page.fill("textarea[name=comment]", "Bổ sung số trẻ em được hỗ trợ theo từng hình thức.")
    page.click("#return-form button")
    page.wait_for_selector("#return-comment")
    context.close()

    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, "thuquy.nhat")
    page.goto(base + "/filings")
    page.click("#filed-reports a")
    assert "Bổ sung số trẻ em" in page.inner_text("#return-comment")
    page.click("text=Nộp lại báo cáo")
    assert page.input_value("input[name=signer_name]") == "Trần Văn Nhất"
    page.fill("input[name=number]", "4/BC-UBND")
    page.click("text=Nộp báo cáo và khóa sổ")
    page.wait_for_selector("#versions")
    assert "Lần nộp 2" in page.inner_text("#filing")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 412
    context.close()
