"""In the browser: a treasurer drafts a heart-surgery payout, a reviewer approves it, the
treasurer pays and prints the Phiếu chi, and the fund balance falls by the amount."""

import re
from datetime import date

import pytest

from ledger.models import Setting
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from tests.browser import _closing, _shots, _sign_in

pytestmark = pytest.mark.browser


def test_heart_surgery_payout_from_draft_to_printed_voucher(
    browser, live_server, make_user, make_receipt, session, unit
):
    fund = unit("TT-CHUONGDUONG")
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_user("duyet.tt", "reviewer", "TT")
    make_receipt(amount=30_000_000, on=date(2018, 1, 5))
    # the second factor a payout above the limit asks is tested in test_browser_second_factor
    session.add(Setting(key="second_factor_above", value="100000000"))
    child = create_beneficiary(
        session,
        unit_id=fund.id,
        data=BeneficiaryInput(
            full_name="Lê Minh Khôi",
            birth_date=date(2014, 5, 1),
            sex="male",
            groups=("serious_illness_poor",),
        ),
    )
    session.commit()
    base = live_server.url
    treasurer = browser.new_context(viewport={"width": 412, "height": 915}).new_page()
    _sign_in(treasurer, base, "thuquy.a")
    assert _closing(treasurer, base, fund.id) == "30.000.000 đ"

    treasurer.goto(base + "/disbursements/new")
    treasurer.fill("input[name=disbursement_date]", "01/06/2018")
    treasurer.select_option("select[name=category_id]", label="Hỗ trợ phẫu thuật tim bẩm sinh")
    treasurer.select_option("select[name=beneficiary_id]", str(child.id))
    treasurer.fill("input[name=amount]", "25.000.000")
    treasurer.fill("input[name=payee_name]", "Lê Thị Mai (mẹ)")
    treasurer.fill("input[name=reason]", "Hỗ trợ phẫu thuật tim bẩm sinh cho cháu Khôi")
    treasurer.click("button[data-once]")
    treasurer.wait_for_url(re.compile(r".*/disbursements/\d+$"))
    show_url = treasurer.url

    reviewer = browser.new_context().new_page()
    _sign_in(reviewer, base, "duyet.tt")
    reviewer.goto(base + "/disbursements/queue")
    reviewer.click("text=Xem")
    reviewer.fill("input[name=comment]", "Đồng ý hỗ trợ")
    with reviewer.expect_navigation():  # back to this same page, its #status still "Chờ duyệt"
        reviewer.click("button:has-text('Duyệt')")
    assert reviewer.locator("#status").inner_text() == "Đã duyệt"

    treasurer.goto(show_url)
    treasurer.fill("input[name=paid_on]", "03/06/2018")
    treasurer.click("button:has-text('Chi tiền và ghi sổ')")
    treasurer.wait_for_selector("#voucher")
    voucher = treasurer.locator("#voucher").inner_text()
    assert "PHIẾU CHI" in voucher and "Hai mươi lăm triệu đồng" in voucher
    treasurer.emulate_media(media="print")
    treasurer.screenshot(path=str(_shots() / "disbursement-voucher-print.png"), full_page=True)
    treasurer.emulate_media(media="screen")
    assert _closing(treasurer, base, fund.id) == "5.000.000 đ"
