"""In the browser: a treasurer photographs the donor's handover note on a phone, attaches the
photo to the receipt, sees it listed and counted on the voucher, and downloads it back."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import _shots, _sign_in
from tests.test_evidence import JPEG, PDF

pytestmark = pytest.mark.browser


def test_a_photo_attached_to_a_receipt_is_listed_counted_and_downloads(
    page, live_server, make_user, make_receipt, session, tmp_path
):
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    receipt = make_receipt(amount=2_000_000)
    session.commit()
    base = live_server.url
    photo = tmp_path / "Ảnh biên bản giao nhận.jpg"
    photo.write_bytes(JPEG)

    _sign_in(page, base, "thuquy.cd")
    page.goto(f"{base}/receipts/{receipt.id}")
    expect(page.locator(".voucher")).to_contain_text("Kèm theo: 0 chứng từ gốc.")
    page.set_input_files("#evidence-upload input[type=file]", str(photo))
    page.click("#evidence-upload button[type=submit]")
    page.wait_for_url(re.compile(rf".*/receipts/{receipt.id}$"))
    expect(page.locator(".flash.info")).to_contain_text("Đã đính kèm chứng từ gốc")
    listed = page.locator("#evidence table.list a", has_text="Ảnh biên bản giao nhận.jpg")
    expect(listed).to_be_visible()
    expect(page.locator("#evidence td[data-label='Người tải lên']")).to_have_text("Phạm Thị Lan")
    expect(page.locator(".voucher")).to_contain_text("Kèm theo: 1 chứng từ gốc.")
    page.screenshot(path=str(_shots() / "evidence-on-receipt.png"), full_page=True)
    with page.expect_download() as download:
        listed.click()
    assert download.value.suggested_filename == "Ảnh biên bản giao nhận.jpg"
    assert download.value.path().read_bytes() == JPEG


def test_a_treasurer_sends_money_up_and_attaches_the_payment_order(
    page, live_server, make_user, make_receipt, session, tmp_path, unit
):
    """After "Chuyển tiền" the treasurer lands on the transfer's page, on a phone, and attaches
    the bank's payment order there; the list's "Xem" leads back to it."""
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    make_receipt(amount=5_000_000)
    session.commit()
    base = live_server.url
    slip = tmp_path / "UNC nộp huyện.pdf"
    slip.write_bytes(PDF)
    page.set_viewport_size({"width": 390, "height": 844})

    _sign_in(page, base, "thuquy.cd")
    page.goto(f"{base}/transfers/new")
    page.select_option("select[name=to_unit_id]", str(unit("TT").id))
    page.fill("input[name=amount]", "3.000.000")
    page.fill("input[name=sent_on]", "01/07/2018")
    page.select_option("select[name=from_method]", "cash")
    page.click("form button.primary[type=submit]")
    page.wait_for_url(re.compile(r".*/transfers/\d+$"))
    expect(page.locator("#status")).to_have_text("Đang chuyển")
    expect(page.locator("#amount-sent")).to_have_text("3.000.000 đ")
    page.set_input_files("#evidence-upload input[type=file]", str(slip))
    page.click("#evidence-upload button[type=submit]")
    expect(page.locator(".flash.info")).to_contain_text("Đã đính kèm chứng từ gốc")
    expect(page.locator("#files")).to_have_text("1 chứng từ gốc")
    expect(page.locator("#evidence table.list a", has_text="UNC nộp huyện.pdf")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(_shots() / "transfer-with-payment-order.png"), full_page=True)
    shown = page.url
    page.goto(f"{base}/transfers/")
    page.click("table.list a:has-text('Xem')")
    page.wait_for_url(shown)
