"""In the browser: a treasurer counts the cash box 50.000 đ short, the live totals follow the
typing (a script the CSP allows), the reviewer above approves, and the count prints on A4."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import _shots, _sign_in

pytestmark = pytest.mark.browser


def test_a_short_count_is_reasoned_approved_and_printed(
    page, live_server, make_user, make_receipt, session, unit
):
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    make_user("duyet.tt", "reviewer", "TT")
    make_receipt(amount=1_000_000)
    session.commit()
    fund = unit("TT-CHUONGDUONG")
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    _sign_in(page, base, "thuquy.cd")
    page.goto(f"{base}/funds/{fund.id}/cash-counts/new")
    assert page.input_value("input[name=treasurer_name]") == "Phạm Thị Lan"
    page.fill("input[name=count_date]", "30/06/2018")
    with page.expect_navigation():  # the page before shows a #book too: typing there is lost
        page.click("button[name=tally]")  # the book at the end of that day, without JS
    expect(page.locator("#book")).to_have_text("1.000.000 đ")
    page.fill("input[name=q_500000]", "1")
    page.fill("input[name=q_200000]", "2")
    page.fill("input[name=q_50000]", "1")
    expect(page.locator("#counted")).to_have_text("950.000 đ")  # typed, not submitted
    expect(page.locator("#difference")).to_contain_text("50.000 đ")
    page.fill("input[name=witness_name]", "Trần Văn Chứng")
    page.screenshot(path=str(_shots() / "cash-count-form.png"), full_page=True)
    page.click("button[name=save]")
    expect(page.locator(".field.has-error")).to_contain_text("phải ghi lý do")
    expect(page.locator("input[name=q_200000]")).to_have_value("2")  # kept
    page.fill("input[name=reason]", "Trả nhầm tiền thừa cho người nộp")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/cash-counts/\d+$"))
    expect(page.locator("#status")).to_contain_text("Chờ duyệt")
    shown = page.url

    page.context.clear_cookies()
    _sign_in(page, base, "duyet.tt")
    page.goto(shown)
    page.click("button.primary[formaction$='/approve']")
    page.wait_for_url(shown)
    expect(page.locator("#status")).to_contain_text("Đã ghi sổ")
    page.goto(shown + "/print")
    sheet = page.locator("#cash-count-sheet").inner_text()
    assert "C34-HD" in sheet and "KIỂM KÊ QUỸ" in sheet and "Trần Văn Chứng" in sheet
    assert "Chín trăm năm mươi nghìn đồng" in sheet
    page.screenshot(path=str(_shots() / "cash-count-print.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
