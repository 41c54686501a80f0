"""In the browser: a treasurer photographs the donor's handover note on a phone, attaches the
photo to the receipt, sees it listed and counted on the voucher, and downloads it back."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import _shots, _sign_in
from tests.test_evidence import JPEG

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
