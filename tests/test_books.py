"""Cash book and bank book: opening, running balance, daily totals, closing; formula-safe xlsx."""

import io
import re
from datetime import date, timedelta
from itertools import pairwise

import openpyxl
import pytest

from ledger.exports.books import book_workbook
from ledger.services.books import read_book
from ledger.services.receipts import void_receipt


@pytest.fixture
def year(session, make_receipt):
    make_receipt(amount=1_000_000, on=date(2018, 1, 10))
    make_receipt(
        amount=500_000, on=date(2018, 2, 1), payer_name='=HYPERLINK("http://x")', reason="ủng hộ"
    )
    make_receipt(amount=250_000, on=date(2018, 2, 1), payer_name="+SUM(A1)\x07", reason="@x")
    bank = make_receipt(amount=3_000_000, on=date(2018, 2, 3), method="bank")
    voided = make_receipt(amount=100_000, on=date(2018, 3, 1))
    void_receipt(session, receipt_id=voided.id, reason="Ghi nhầm", on=date(2018, 3, 2))
    session.commit()
    return bank.unit_id


def test_cash_book_opening_running_and_closing(session, year):
    book = read_book(
        session, unit_id=year, kind="cash", date_from=date(2018, 2, 1), date_to=date(2018, 12, 31)
    )
    assert book.opening == 1_000_000
    assert [ln.balance for ln in book.lines] == [1_500_000, 1_750_000, 1_850_000, 1_750_000]
    assert book.closing == 1_750_000 == book.lines[-1].balance
    days = {day: (i, o) for day, _, i, o in book.days()}
    assert days[date(2018, 2, 1)] == (750_000, 0)
    # a void cancels the receipt as of its own date: both lines fall on 01/03, none on 02/03
    assert days[date(2018, 3, 1)] == (100_000, 100_000) and date(2018, 3, 2) not in days
    assert "Hủy phiếu thu số 5" in book.lines[-1].description


def test_bank_book_is_separate(session, year):
    book = read_book(
        session, unit_id=year, kind="bank", date_from=date(2018, 1, 1), date_to=date(2018, 12, 31)
    )
    assert book.closing == 3_000_000 and len(book.lines) == 1


def test_workbook_has_no_formula_from_user_text(session, year):
    book = read_book(
        session, unit_id=year, kind="cash", date_from=date(2018, 1, 1), date_to=date(2018, 12, 31)
    )
    workbook = openpyxl.load_workbook(io.BytesIO(book_workbook(book, unit_name="=Xã A")))
    cells = [c for row in workbook.active.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(t.startswith("=HYPERLINK") for t in texts)
    assert any(t.startswith("+SUM(A1)") and "\x07" not in t for t in texts)
    closing = [
        row for row in workbook.active.iter_rows(values_only=True) if row[3] == "Số dư cuối kỳ"
    ]
    assert closing[0][6] == 1_750_000


def test_book_pages_in_scope(client, make_user, login, year):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    page = client.get(f"/books/{year}/cash?from=01/01/2018&to=31/12/2018")
    assert "1.750.000 đ" in page.text and "Cộng ngày 01/02/2018" in page.text
    xlsx = client.get(f"/books/{year}/cash.xlsx?from=01/01/2018&to=31/12/2018")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_menus_sổ_quỹ_lands_on_the_books_the_role_keeps_or_oversees(
    client, make_user, login, year
):
    """A treasurer opens the cash book they keep; a district reviewer (or auditor) the funds of
    the units they oversee, each with its cash and bank balance and both books (issue #15)."""
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    assert 'href="/books/"' in client.get("/receipts/").text  # the menu's "Sổ quỹ"
    assert client.get("/books/").headers["Location"].endswith(f"/books/{year}/cash")
    client.post("/auth/logout")
    for username, role in (("duyet.tt", "reviewer"), ("kiemtoan.tt", "auditor")):
        make_user(username, role, "TT")
        login(username)
        page = client.get("/books/")
        assert page.status_code == 200
        row = re.search(r"<tr[^>]*>\s*<td[^>]*>Xã Chương Dương(.*?)</tr>", page.text, re.DOTALL)
        assert row and "1.750.000 đ" in row[1] and "3.000.000 đ" in row[1]
        assert f"/books/{year}/cash" in row[1] and f"/books/{year}/bank" in row[1]
        assert page.text.index("Huyện Thường Tín") < page.text.index("Xã Chương Dương")
        client.post("/auth/logout")
    make_user("duyet.khac", "reviewer", "TT-DUNGTIEN")  # another unit's reviewer: not in scope
    login("duyet.khac")
    assert "Xã Chương Dương" not in client.get("/books/").text


def test_a_long_book_pages_as_a_paper_book_with_balances_carried(
    client, session, make_receipt, make_user, login
):
    """A year of a busy commune on screen: pages of whole days, each opening with what the page
    before carried forward and closing with its totals; every line once; the period's closing on
    the last page; the PDF and the downloads stay whole."""
    from ledger.services.books import book_pages

    for n in range(130):  # 260 lines over 130 days: two days' lines never split
        on = date(2018, 1, 1) + timedelta(days=n)
        make_receipt(amount=10_000 + n, on=on)
        make_receipt(amount=1_000, on=on)
    session.commit()
    fund = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG").unit_id
    book = read_book(
        session, unit_id=fund, kind="cash", date_from=date(2018, 1, 1), date_to=date(2018, 12, 31)
    )
    pages = book_pages(book, lines_per_page=100)
    assert [p.number for p in pages] == [1, 2, 3] and all(p.pages == 3 for p in pages)
    assert [sum(len(d[1]) for d in p.days) for p in pages] == [100, 100, 60]
    assert [line for p in pages for d in p.days for line in d[1]] == book.lines
    assert pages[0].brought_forward == book.opening and pages[-1].carried_forward == book.closing
    for before, after in pairwise(pages):
        assert after.brought_forward == before.carried_forward == before.days[-1][1][-1].balance

    login("thuquy.a")
    url = f"/books/{fund}/cash?from=01/01/2018&to=31/12/2018"
    first = client.get(url).text
    assert first.count('<td class="day"') == 250 and "Cộng chuyển sang trang sau" in first
    assert "Trang 1/2" in first and "Số dư cuối kỳ</td>" not in first
    second = client.get(url + "&page=2").text
    assert second.count('<td class="day"') == 10 and "Số trang trước chuyển sang" in second
    carried = re.search(r'id="carried-forward">.*?class="money"[^>]*>([^<]+)<', first, re.DOTALL)[1]
    brought = re.search(r'id="brought-forward">.*?class="money"[^>]*>([^<]+)<', second, re.DOTALL)[
        1
    ]
    assert carried == brought
    assert re.search(r'id="closing">([^<]+)<', second)[1] in second.split("Số dư cuối kỳ</td>")[1]
    assert client.get(url + "&page=99").status_code == 200  # past the end: the last page
    pdf = client.get(f"/books/{fund}/cash.pdf?from=01/01/2018&to=31/12/2018")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_payouts_and_transfers_are_named_when_asked_a_few_at_a_time(session, demo, monkeypatch):
    """The book reads its payouts' and transfers' words by id after the lines, in groups
    (SQLite binds at most 32,766 values at once): one id a group gives the same book, each
    payout numbered and each transfer and cash ↔ bank move described."""
    from ledger.services import books
    from ledger.services.transfers import send_transfer
    from ledger.services.units import find_unit

    fund, district = find_unit(session, "TT-CHUONGDUONG"), find_unit(session, "TT")
    for day in (3, 4):
        send_transfer(
            session,
            from_unit_id=fund.id,
            to_unit_id=district.id,
            amount=100_000,
            on=date(2018, 7, day),
            from_method="cash",
            memo=f"Nộp lên huyện lần {day - 2}",
        )
    send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=fund.id,
        amount=200_000,
        on=date(2018, 7, 5),
        from_method="cash",
        to_method="bank",
    )
    session.commit()

    def lines():
        book = read_book(
            session,
            unit_id=fund.id,
            kind="cash",
            date_from=date(2018, 1, 1),
            date_to=date(2018, 12, 31),
        )
        return [(ln.receipt_no, ln.payment_no, ln.description, ln.balance) for ln in book.lines]

    whole = lines()
    monkeypatch.setattr(books, "_IDS_AT_ONCE", 1)
    assert lines() == whole
    described = [d for _, _, d, _ in whole]
    assert sum(d.startswith(f"Chuyển quỹ cho {district.name}") for d in described) == 2
    assert any("Nộp lên huyện lần 2" in d for d in described)
    assert (None, 1, "Chi Mẹ của trẻ") in [line[:3] for line in whole]  # the paid payout
    assert (None, 2, "Nộp tiền mặt vào tài khoản ngân hàng") in [line[:3] for line in whole]
