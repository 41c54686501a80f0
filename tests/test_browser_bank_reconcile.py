"""In the browser: a treasurer reconciles a month of the fund's bank account to zero, saves it
and prints the Bảng đối chiếu số dư tài khoản tiền gửi on A4 with its signature block."""

import re
from datetime import date

import pytest

from tests.bankworld import make_account, make_lines
from tests.browser import _shots, _sign_in
from tests.test_bank_reconciliation import lines_of, match
from tests.test_browser_phone import LIST_PROBLEMS

pytestmark = pytest.mark.browser


def test_treasurer_reconciles_a_month_and_prints_it_on_a4(
    page, live_server, make_user, make_receipt, session
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    account = make_account(session)
    paid = make_receipt(amount=2_000_000, on=date(2018, 3, 5), method="bank")
    make_receipt(amount=650_000, on=date(2018, 3, 31), method="bank", payer_name="Lê Thị Hoa")
    statement = make_lines(
        session,
        account,
        [
            (date(2018, 3, 6), 2_000_000, "NGUYEN VAN AN ung ho"),
            (date(2018, 3, 15), -11_000, "Phi SMS"),
        ],
        opening=0,
    )
    match(session, account, [lines_of(session, statement)[0]], [paid.entry_id])
    session.commit()
    base = live_server.url

    _sign_in(page, base, "thuquy.a")
    page.goto(
        f"{base}/bank/accounts/{account.id}/reconciliations/new?from=01/03/2018&to=31/03/2018"
    )
    assert page.locator("#bank-closing").inner_text() == "1.989.000 đ"
    assert page.locator("#books-closing").inner_text() == "2.650.000 đ"
    assert page.locator("#difference").inner_text() == "0 đ"
    assert "Phi SMS" in page.locator("#in-bank").inner_text()
    assert "Lê Thị Hoa" in page.locator("#in-books").inner_text()
    assert page.evaluate(LIST_PROBLEMS) == []  # the lists fit a phone
    page.click("button[data-once]")
    page.wait_for_url(re.compile(r".*/bank/reconciliations/\d+$"))
    sheet = page.locator("#reconciliation").inner_text()
    for words in ("BẢNG ĐỐI CHIẾU SỐ DƯ TÀI KHOẢN TIỀN GỬI", "Kế toán trưởng", "Thủ trưởng đơn vị"):
        assert words in sheet
    assert "XÁC NHẬN CỦA NGÂN HÀNG" in sheet.upper() and "Phạm Thị Lan" in sheet
    figures = page.locator("#figures").inner_text()
    assert "Cộng: tiền ra ngân hàng đã ghi nợ, đơn vị chưa ghi sổ (mục II)\t11.000 đ" in figures
    page.screenshot(path=str(_shots() / "bank-reconciliation.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")
    page.goto(f"{base}/bank/accounts/{account.id}/reconciliations")
    assert page.evaluate(LIST_PROBLEMS) == []
    page.go_back()
    page.emulate_media(media="print")
    assert not page.locator(".actions").is_visible()  # the buttons are not printed
    pdf = page.pdf(prefer_css_page_size=True)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(_shots() / "bank-reconciliation-print.png"), full_page=True)
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert box and (round(float(box[1])), round(float(box[2]))) == (595, 842)  # A4 portrait
