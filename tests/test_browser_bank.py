"""In the browser, on a phone-sized screen: a demo treasurer imports a bank statement through the
preview and sees its lines on the account's page."""

import re
from pathlib import Path

import pytest

from ledger.services.demo import DEMO_PASSWORD, seed_demo_users
from ledger.services.demo_bank import seed_demo_bank_accounts
from tests.bankworld import make_account
from tests.browser import SIGN_IN, _shots

pytestmark = pytest.mark.browser

FILES = Path(__file__).parent / "files"


def test_treasurer_uploads_a_statement_sees_the_preview_and_confirms(page, live_server, session):
    seed_demo_users(session)
    seed_demo_bank_accounts(session)  # Thường Tín's old communes: closed 30/06/2025
    make_account(session, "HN-THUONGTIN")  # the 2025 commune (the full demo adds it after 2025)
    session.commit()
    base = live_server.url

    page.goto(base + "/")
    page.fill("input[name=username]", "treasurer.xathuongtin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click(SIGN_IN)
    page.wait_for_url(base + "/")

    page.goto(base + "/bank/")
    page.click("#bank-funds a[href*='/bank/accounts/']")
    page.wait_for_url(re.compile(r".*/bank/accounts/\d+$"))
    assert "Agribank" in page.locator("#bank-account").inner_text()
    page.click("#bank-account a[href$='/import']")
    page.set_input_files("input[name=file]", str(FILES / "statement-agribank.csv"))
    page.click("button:has-text('Xem trước')")
    page.wait_for_selector("#statement-summary")
    assert page.locator("#lines-new").inner_text() == "30"
    assert "25.000.000 đ" in page.locator("#opening").inner_text()
    assert page.locator("#balance-ok").is_visible()
    page.screenshot(path=str(_shots() / "bank-statement-preview.png"), full_page=True)
    page.click("button:has-text('Ghi')")
    page.wait_for_url(re.compile(r".*/bank/accounts/\d+$"))
    assert "Đã ghi 30 dòng mới" in page.content()
    assert page.locator("#statement-lines tbody tr").count() == 30
    assert "01/11/2026 – 30/11/2026" in page.locator("#statements").inner_text()
