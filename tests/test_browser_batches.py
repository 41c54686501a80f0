"""In the browser: a treasurer types a small batch with the keyboard only; the running count
and total follow the typing, a total off by 1.000 đ is refused, and fixed it posts."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import _sign_in

pytestmark = pytest.mark.browser


def test_a_small_batch_is_typed_with_the_keyboard(page, live_server, make_user, unit):
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    fund = unit("TT-CHUONGDUONG")
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, base, "thuquy.cd")
    page.goto(f"{base}/receipts/batches/new?unit={fund.id}")

    page.fill("input[name=expected_count]", "3")  # the grid grows to the count as it is typed
    expect(page.locator("#batch-grid tbody tr")).to_have_count(3)
    page.fill("input[name=expected_total]", "600.000")
    page.fill("input[name=name]", "Thôn 3 — đợt 1")
    page.fill("input[name=receipt_date]", "15/03/2018")

    page.locator("input[name=row_name]").first.focus()
    for name, amount in (
        ("Nguyễn Văn An", "200.000"),
        ("Trần Thị Bình", "200000"),
        ("Lê Văn Cường", "199.000"),
    ):
        page.keyboard.type(name)
        page.keyboard.press("Enter")  # Enter moves to the next cell, it does not submit
        page.keyboard.type(amount)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    expect(page.locator("#batch-filled")).to_have_text("3")
    expect(page.locator("#batch-sum")).to_have_text("599.000 đ")
    expect(page.locator("#batch-difference")).to_have_text("-1.000 đ")
    expect(page.locator("#batch-post")).to_be_focused()  # past the last cell: the post button

    page.keyboard.press("Enter")
    expect(page.locator("#batch-problems")).to_contain_text(
        "Tổng các phiếu là 599.000 đ, chênh 1.000 đ so với tổng dự kiến 600.000 đ"
    )
    expect(page.locator("input[name=row_name]").nth(2)).to_have_value("Lê Văn Cường")

    page.locator("input[name=row_amount]").nth(2).fill("200.000")
    expect(page.locator("#batch-difference")).to_have_text("0 đ")
    page.click("#batch-post")
    page.wait_for_url(re.compile(r".*/receipts/batches/\d+$"))
    expect(page.locator("#batch-receipts tbody tr")).to_have_count(3)
    expect(page.locator("#batch-total")).to_have_text("600.000 đ")
    expect(page.locator("#batch-receipts")).to_contain_text("1/2018")
    expect(page.locator("#batch-receipts")).to_contain_text("3/2018")
    assert not [e for e in errors if "Content Security Policy" in e], errors
