"""In the browser: the receipt voucher a treasurer prints shows every element of the form, the
PDF they download shows the same, and a backdated receipt asks before it takes its number."""

import re
from datetime import date

import pytest

from tests.browser import _shots, _sign_in
from tests.test_vouchers import FORM_ELEMENTS, pdf_text, squeeze

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_the_printed_voucher_and_the_pdf_show_the_same_elements(
    page, live_server, make_user, make_receipt, session, width
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    receipt = make_receipt(
        amount=1_050_000, on=date(2018, 5, 15), payer_name="Nguyễn Văn Bình", book_no="01"
    )
    session.commit()
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, base, "thuquy.a")
    page.goto(f"{base}/receipts/{receipt.id}")
    page.emulate_media(media="print")  # what "In phiếu (A5)" prints
    assert page.locator(".actions.no-print").first.is_hidden()
    assert page.locator("#receipt-facts").is_hidden()
    printed = page.locator("#voucher")
    assert printed.is_visible()
    lines = [text.strip() for text in printed.inner_text().splitlines() if text.strip()]
    page.screenshot(path=str(_shots() / f"receipt-voucher-print-{width}.png"), full_page=True)
    page.emulate_media(media="screen")
    pdf = pdf_text(page.request.get(f"{base}/receipts/{receipt.id}/voucher.pdf").body())
    assert len(lines) > 25
    for line in lines:  # every line the printed page shows is in the PDF
        assert squeeze(line) in pdf, line
    screen = squeeze(printed.inner_text())
    for element in (*FORM_ELEMENTS, "Ngày 15 tháng 05 năm 2018", "Số: 1/2018"):
        assert squeeze(element) in screen and squeeze(element) in pdf, element
    box = printed.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1


def test_a_backdated_receipt_asks_to_confirm_and_keeps_the_form(
    page, live_server, make_user, make_receipt, session
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_receipt(amount=100_000, on=date(2018, 11, 9))
    session.commit()
    base = live_server.url
    _sign_in(page, base, "thuquy.a")
    page.goto(base + "/receipts/new")
    page.fill("input[name=receipt_date]", "05/11/2018")
    page.fill("input[name=amount]", "300.000")
    page.fill("input[name=payer_name]", "Trần Thị Hoa")
    page.check("input[name=new_donor]")  # a new donor, not one from the suggestions
    page.click("button[data-once]")
    warning = page.locator("#backdate-warning")
    warning.wait_for()
    assert "Phiếu thu số 1/2018 đã lập ngày 09/11/2018" in warning.inner_text()
    assert page.input_value("input[name=payer_name]") == "Trần Thị Hoa"
    page.screenshot(path=str(_shots() / "receipt-backdate-warning.png"), full_page=True)
    page.click("#confirm-backdate")
    page.wait_for_url(re.compile(r".*/receipts/\d+$"))
    assert "Số: 2/2018" in page.locator("#voucher").inner_text()
