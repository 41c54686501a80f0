"""In the browser, on a phone: a treasurer sets their address and asks for the weekly summary;
an admin finds a failed message in the outbox, reads why, and sends it again."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from ledger.models import OutboxMessage, User
from ledger.services.outbox import Draft, enqueue
from tests.browser import _shots, _sign_in
from tests.test_browser_phone import LIST_PROBLEMS

pytestmark = pytest.mark.browser


def test_a_treasurer_asks_for_mail_and_an_admin_resends_a_failed_one(
    page, live_server, session, make_user
):
    base = live_server.url
    make_user("qt.tt", "admin", "TT")
    treasurer = make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG", full_name="Lê Thị Thu")
    _sign_in(page, base, "thuquy.cd")
    page.goto(base + "/account/tokens")  # where their name at the top leads
    page.click("text=E-mail và ngôn ngữ")
    page.fill("input[name=email]", "thu@example")  # no domain ending: refused on the field
    page.check("input[name=weekly_summary]")
    page.click("button[type=submit].primary")
    expect(page.locator(".field.has-error")).to_contain_text("không hợp lệ")
    assert page.locator("input[name=weekly_summary]").is_checked()  # kept as typed
    page.fill("input[name=email]", "thu@example.vn")
    page.click("button[type=submit].primary")
    expect(page.locator("body")).to_contain_text("Đã lưu cài đặt e-mail.")
    session.expire_all()
    stored = session.get(User, treasurer.id)
    assert (stored.email, stored.weekly_summary) == ("thu@example.vn", True)

    enqueue(
        session,
        Draft(
            dedupe_key="reminder:test",
            purpose="reminder",
            user_id=treasurer.id,
            to_address="thu@example.vn",
            subject="Nhắc hạn nộp Báo cáo 6 tháng",
            body_text="…",
        ),
    )
    message = session.exec(select(OutboxMessage)).one()
    message.status, message.attempts = "failed", 8
    message.last_error = "SMTPRecipientsRefused: 550 mailbox unavailable"
    session.commit()

    page.context.clear_cookies()
    _sign_in(page, base, "qt.tt")
    page.goto(base + "/admin/outbox/")
    row = page.locator("table.list tbody tr")
    assert "Gửi không được" in row.inner_text() and "550 mailbox unavailable" in row.inner_text()
    assert page.evaluate(LIST_PROBLEMS) == []
    page.screenshot(path=str(_shots() / "outbox-phone.png"), full_page=True)
    page.click("text=Gửi lại")
    expect(page.locator("body")).to_contain_text("Thư sẽ được gửi lại")
    assert "Chờ gửi" in page.locator("table.list tbody tr").inner_text()
