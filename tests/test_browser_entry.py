"""Twenty receipts entered with the keyboard only, through "Ghi và lập phiếu tiếp": the
amount in words as typed, the donor picked with the arrow keys and Enter (or marked new),
consecutive voucher numbers, the book number kept, and the time it took."""

from __future__ import annotations

import time
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from ledger.models import Receipt
from ledger.services.donors import create_donor
from ledger.services.receipts import ReceiptInput, record_receipt
from tests.browser import _sign_in

pytestmark = pytest.mark.browser

COUNT = 20
#: a generous bound for twenty receipts on a loaded CI machine (a person takes minutes)
BOUND_SECONDS = 120


def _focused_name(page) -> str:
    return page.evaluate(
        "() => document.activeElement && (document.activeElement.id === 'save-and-next' "
        "? '#save-and-next' : document.activeElement.name || '')"
    )


def _tab_to(page, name: str) -> None:
    """Press Tab until the field (or ``#save-and-next``) has the focus: the tab order reaches
    it, no mouse."""
    for _ in range(40):
        if _focused_name(page) == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {name}")


def test_twenty_receipts_with_the_keyboard_only(page, live_server, make_user, session, unit):
    user = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    fund = unit("TT-CHUONGDUONG")
    today = date(2018, 5, 15)
    donor = create_donor(session, unit_id=fund.id, name="Nguyễn Văn Bình")
    first = record_receipt(  # the receipt just saved: its date and book number are kept
        session,
        unit_id=fund.id,
        user_id=user.id,
        data=ReceiptInput(
            receipt_date=today,
            amount=100_000,
            payer_name="Nguyễn Văn Bình",
            book_no="05",
            donor_id=donor.id,
        ),
    )
    session.commit()
    base = live_server.url
    _sign_in(page, base, "thuquy.a")
    page.goto(f"{base}/receipts/new?unit={fund.id}&saved={first.id}")  # as after saving it

    started = time.monotonic()
    for n in range(COUNT):
        expect(page.locator("input[name=amount]")).to_be_focused()  # autofocus
        amount = 10_000 * (n + 1) + 5_000
        page.keyboard.type(f"{amount}")
        expect(page.locator("#amount-words")).to_contain_text("nghìn đồng", timeout=15_000)
        _tab_to(page, "payer_name")
        if n % 2 == 0:  # the known donor: a few letters, the arrow keys, Enter
            page.keyboard.type("nguyen van")
            expect(page.locator("#donor-suggestions li").first).to_be_visible()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowUp")
            page.keyboard.press("Enter")  # picks the highlighted donor, submits nothing
            expect(page.locator("input[name=payer_name]")).to_have_value("Nguyễn Văn Bình")
        else:  # a new donor, said so with the checkbox
            page.keyboard.type(f"Phạm Thị Mới {n}")
            page.keyboard.press("Enter")  # no suggestion: a half-typed name is never sent
            _tab_to(page, "new_donor")
            page.keyboard.press("Space")
        _tab_to(page, "#save-and-next")
        with page.expect_navigation(timeout=30_000):  # the page before has a #saved-receipt too
            page.keyboard.press("Enter")
        expect(page.locator("#saved-receipt")).to_contain_text(f"/{today.year}", timeout=30_000)
    elapsed = time.monotonic() - started
    print(f"\n{COUNT} receipts entered with the keyboard in {elapsed:.1f} s")

    session.rollback()
    made = session.exec(
        select(Receipt).where(col(Receipt.id) > first.id).order_by(col(Receipt.id))
    ).all()
    assert len(made) == COUNT
    assert [r.number for r in made] == list(range(first.number + 1, first.number + 1 + COUNT))
    assert {r.book_no for r in made} == {"05"}
    assert {r.receipt_date for r in made} == {today}
    assert [r.amount for r in made] == [10_000 * (n + 1) + 5_000 for n in range(COUNT)]
    picked = [r for n, r in enumerate(made) if n % 2 == 0]
    assert {r.donor_id for r in picked} == {first.donor_id}
    assert len({r.donor_id for n, r in enumerate(made) if n % 2 == 1}) == COUNT // 2
    last = made[-1]
    expect(page.locator("#saved-receipt")).to_contain_text(f"{last.number}/{last.year}")
    assert elapsed < BOUND_SECONDS
