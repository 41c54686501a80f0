"""In the browser: a reviewer switches on the second factor from the QR code's secret, keeps
the recovery codes, and approves a payout above the limit with the authenticator's code."""

from __future__ import annotations

import time
from datetime import date

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ledger.models import Category, SecondFactor
from ledger.services.disbursements import DisbursementInput, draft_disbursement
from tests.browser import _sign_in

pytestmark = pytest.mark.browser


def _next_code(session, user_id: int) -> str:
    """The code for the first step after the one enrolment used (the server refuses a step
    twice), within the ±1 step it accepts."""
    session.rollback()
    factor = session.get(SecondFactor, user_id, populate_existing=True)
    while int(time.time()) // 30 + 1 < factor.last_step + 1:
        time.sleep(1)
    step = max(int(time.time()) // 30 - 1, factor.last_step + 1)
    return pyotp.TOTP(factor.secret).generate_otp(step)


def test_enrol_by_the_shown_secret_then_approve_with_the_code(
    page, live_server, make_user, make_receipt, session, unit
):
    fund = unit("TT-CHUONGDUONG")
    treasurer = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    reviewer = make_user("duyet.tt", "reviewer", "TT")
    make_receipt(amount=10_000_000, on=date(2018, 1, 5))
    heart = session.exec(select(Category).where(Category.code == "heart_surgery")).scalar_one()
    item = draft_disbursement(
        session,
        unit_id=fund.id,
        user_id=treasurer.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            payee_name="Trần Thị Mẹ",
            category_id=heart.id,
            amount=6_000_000,
        ),
    )
    session.commit()
    base = live_server.url
    _sign_in(page, base, "duyet.tt")
    page.goto(f"{base}/disbursements/{item.id}")
    assert "tài khoản của bạn chưa bật" in page.locator("#approve-code-enrol").inner_text()
    page.click("#approve-code-enrol a")
    page.click("button:has-text('Bật xác thực hai lớp')")
    # back to this same page, which had no QR code yet: is_visible() would not wait for it
    expect(page.locator(".qr-box svg")).to_be_visible()
    secret = page.locator("#factor-secret").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button:has-text('Xác nhận và bật')")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    expect(page.locator("#factor-status")).to_contain_text("Đã bật từ")

    page.goto(f"{base}/disbursements/{item.id}")
    page.fill("#approve-code", _next_code(session, reviewer.id))
    page.click("button:has-text('Duyệt')")
    expect(page.locator("#status")).to_have_text("Đã duyệt")
