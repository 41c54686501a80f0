"""In the browser: a district reviewer sees "Chờ duyệt (2)" in the menu, finds the commune's
drafts in the queue by unit, opens one and approves it knowing who asked, for whom, why, and
what the fund's cash and bank hold; the cash draft too large for the cash is refused naming the
cash and what the bank could pay; the menu count falls."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from ledger.models import Category
from ledger.services.disbursements import DisbursementInput, draft_disbursement
from tests.browser import _shots, _sign_in

pytestmark = pytest.mark.browser


def _draft(session, fund, user, amount, payee, reason, **fields):
    category = session.exec(select(Category).where(Category.code == "heart_surgery")).one()
    return draft_disbursement(
        session,
        unit_id=fund.id,
        user_id=user.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            category_id=category.id,
            payee_name=payee,
            payee_address="Thôn Thượng, Chương Dương",
            amount=amount,
            reason=reason,
            **fields,
        ),
    )


def test_reviewer_approves_seeing_the_payout_and_the_funds_money(
    browser, live_server, make_user, make_receipt, session, unit
):
    fund = unit("TT-CHUONGDUONG")
    treasurer = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG", full_name="Nguyễn Thị Thủ")
    make_user("duyet.tt", "reviewer", "TT")
    make_receipt(amount=10_000_000, on=date(2018, 1, 5))
    make_receipt(amount=3_000_000_000, on=date(2018, 1, 6), method="bank")
    _draft(session, fund, treasurer, 4_000_000, "Lê Thị Mai", "Mổ tim cho cháu Khôi", attachments=2)
    _draft(session, fund, treasurer, 50_000_000, "Bệnh viện Nhi", "Viện phí cả đợt")
    session.commit()
    base = live_server.url

    reviewer = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    _sign_in(reviewer, base, "duyet.tt")
    assert reviewer.locator("#nav-queue").inner_text() == "Chờ duyệt (2)"
    reviewer.click("#nav-queue")
    reviewer.select_option("select[name=unit]", label="Xã Chương Dương")
    with reviewer.expect_navigation():  # the unfiltered queue shows the same two rows and total
        reviewer.click("button:has-text('Lọc')")
    rows = reviewer.locator("#queue tbody tr")
    expect(rows).to_have_count(2)
    assert "Xã Chương Dương" in rows.first.inner_text()
    assert "Tổng chờ duyệt (2 phiếu)" in reviewer.locator("#queue tfoot").inner_text()
    reviewer.screenshot(path=str(_shots() / "approvals-queue-1366.png"), full_page=True)

    reviewer.click("#queue tbody tr:first-child a:has-text('Xem và duyệt')")
    details = reviewer.locator("#details").inner_text()
    for shown in (
        "Lê Thị Mai",
        "Thôn Thượng, Chương Dương",
        "Mổ tim cho cháu Khôi",
        "01/06/2018",
        "Tiền mặt",
        "2 chứng từ gốc",
        "Nguyễn Thị Thủ",
    ):
        assert shown in details, shown
    assert re.search(r"Nguyễn Thị Thủ, lúc \d\d/\d\d/\d{4} \d\d:\d\d", details)
    position = reviewer.locator("#fund-position").inner_text()
    assert "10.000.000 đ" in position and "3.000.000.000 đ" in position
    assert "Đủ để chi 4.000.000 đ bằng tiền mặt." in position
    reviewer.screenshot(path=str(_shots() / "approvals-show-1366.png"), full_page=True)
    reviewer.fill("input[name=comment]", "Đồng ý")
    with reviewer.expect_navigation():  # back to this same page, its #status still "Chờ duyệt"
        reviewer.click("button:has-text('Duyệt')")
    assert reviewer.locator("#status").inner_text() == "Đã duyệt"
    assert reviewer.locator("#nav-queue").inner_text() == "Chờ duyệt (1)"
    # the fund now shows the approved payout as held
    assert "4.000.000 đ" in reviewer.locator("#fund-position").inner_text()

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _sign_in(phone, base, "duyet.tt")
    phone.goto(base + "/disbursements/queue")
    with phone.expect_navigation():  # the queue lacks that sentence too: the check must wait
        phone.click("a:has-text('Xem và duyệt')")
    assert "Cả tiền mặt và tiền gửi ngân hàng" not in phone.content()
    assert "tiền gửi ngân hàng thì đủ" in phone.locator("#verdict").inner_text()
    phone.click("button:has-text('Duyệt')")
    flash = phone.locator(".flash.error").inner_text()
    assert "Tiền mặt của quỹ Xã Chương Dương còn 10.000.000 đ nhưng 4.000.000 đ" in flash
    assert "tiền gửi ngân hàng còn 3.000.000.000 đ có thể chi" in flash
    phone.screenshot(path=str(_shots() / "approvals-shortfall-390.png"), full_page=True)
