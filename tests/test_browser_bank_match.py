"""In the browser, on a phone-sized screen: a treasurer matches a statement to the books,
records a QR donation with one confirmation and a bank fee, then undoes a match."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from ledger.vietqr import donation_reference
from tests.bankworld import make_account, make_lines
from tests.browser import SIGN_IN, _shots
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_treasurer_matches_a_statement(page, live_server, make_user, make_receipt, session, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    fund = unit("TT-CHUONGDUONG")
    make_receipt(amount=1_500_000, on=date(2018, 3, 2), payer_name="Nguyễn Văn Bình", method="bank")
    account = make_account(session)
    code = donation_reference(fund.id)
    make_lines(
        session,
        account,
        [
            (date(2018, 3, 2), 1_500_000, "MBVCB.1234.NGUYEN VAN BINH chuyen tien ung ho", "FT1"),
            (date(2018, 3, 5), 250_000, f"TRAN THI HOA {code} ung ho", "FT2"),
            (date(2018, 3, 31), -11_000, "Phi SMS Banking", "FT3"),
        ],
    )
    session.commit()
    base = live_server.url
    page.goto(base + "/")
    page.fill("input[name=username]", "thuquy.a")
    page.fill("input[name=password]", PASSWORD)
    page.click(SIGN_IN)
    page.wait_for_url(base + "/")

    match_url = f"{base}/bank/accounts/{account.id}/match"
    page.goto(match_url)
    suggestion = page.locator(".suggestion").first
    assert "tên người nộp NGUYEN VAN BINH trùng" in suggestion.inner_text()
    page.screenshot(path=str(_shots() / "bank-match.png"), full_page=True)
    with page.expect_navigation():  # back to this same /match page: the wait below is no wait
        suggestion.get_by_role("button", name="Xác nhận khớp").click()
    page.wait_for_url(re.compile(r".*/match.*"))
    assert "Đã khớp." in page.content()

    page.get_by_role("link", name="Ghi phiếu thu").click()
    expect(page.locator("#parsed")).to_contain_text(code)
    assert "Tran Thi Hoa" in page.locator("#parsed").inner_text()
    page.click("#confirm")
    page.wait_for_url(re.compile(r".*/receipts/\d+$"))
    assert "250.000 đ" in page.locator("#voucher").inner_text()

    page.goto(match_url)
    page.get_by_role("link", name="Ghi phí ngân hàng").click()
    expect(page.locator("body")).to_contain_text("Chi phí quản lý quỹ")
    page.click("#confirm")
    page.wait_for_url(re.compile(r".*/match.*"))
    assert "Mọi dòng sao kê đã khớp với sổ sách." in page.content()

    page.goto(match_url + "?state=matched")
    assert page.locator("#matched tbody tr").count() == 3
    with page.expect_navigation():  # from a /match page too: the goto could overtake the post
        page.locator("#matched tbody tr").first.get_by_role("button", name="Bỏ khớp").click()
    page.wait_for_url(re.compile(r".*/match.*"))
    page.goto(match_url)
    assert page.locator("#unmatched tbody tr").count() == 1
