"""In the browser, on a phone-sized screen: a treasurer records a receipt and sees it everywhere."""

import re

import pytest

from tests.browser import SIGN_IN, _closing, _shots
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_treasurer_records_a_receipt_and_the_cash_book_rises(
    page, live_server, make_user, make_receipt, session, unit
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_receipt(amount=2_000_000)
    session.commit()
    fund = unit("TT-CHUONGDUONG")
    base = live_server.url

    page.goto(base + "/")
    page.fill("input[name=username]", "thuquy.a")
    page.fill("input[name=password]", PASSWORD)
    page.click(SIGN_IN)
    page.wait_for_url(base + "/")
    assert _closing(page, base, fund.id) == "2.000.000 đ"

    page.goto(base + "/receipts/new")
    page.fill("input[name=receipt_date]", "15/05/2018")
    page.fill("input[name=amount]", "1.050.000")
    page.fill("input[name=payer_name]", "Nguyễn Văn Bình")
    page.check("input[name=new_donor]")  # a new donor, not one from the suggestions
    page.fill("input[name=payer_address]", "Thôn Đông")
    page.click("button[data-once]")
    page.wait_for_url(re.compile(r".*/receipts/\d+$"))
    voucher = page.locator("#voucher").inner_text()
    assert "Một triệu không trăm năm mươi nghìn đồng" in voucher
    assert "1.050.000 đ" in voucher and "PHIẾU THU" in voucher
    page.screenshot(path=str(_shots() / "receipt-voucher.png"), full_page=True)

    assert _closing(page, base, fund.id) == "3.050.000 đ"
