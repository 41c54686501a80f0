"""The public campaign page: open figures, no personal data."""

from sqlalchemy import select


def test_public_page_has_no_personal_data(client, demo, session):
    from ledger.models import Donor

    page = client.get(f"/public/campaigns/{demo.id}")
    assert page.status_code == 200 and "Xã Chương Dương" in page.text
    assert "Canarychild" not in page.text and "Mẹ của trẻ" not in page.text
    donors = session.exec(select(Donor.name)).scalars().all()
    assert donors and not [name for name in donors if name in page.text]


def test_public_figures_are_kept_until_a_posting_or_a_void(client, demo, session, make_receipt):
    """The figures are rendered once per data version: a receipt and its void each show at
    once; the language switch and the menu around them are the request's own."""
    from datetime import date

    from ledger.money import group_digits
    from ledger.services.receipts import void_receipt

    def collected() -> str:
        text = client.get(f"/public/campaigns/{demo.id}").text
        return text.split('Đã vận động</dt><dd class="money">', 1)[1].split(" ", 1)[0]

    before = collected()
    assert collected() == before
    receipt = make_receipt("TT-CHUONGDUONG", amount=123_000_000, on=date(2018, 4, 2))
    session.commit()
    amount = int(before.replace(".", "")) + 123_000_000
    assert collected() == group_digits(amount)
    void_receipt(session, receipt_id=receipt.id, reason="ghi nhầm")
    session.commit()
    assert collected() == before
    english = client.get(f"/public/campaigns/{demo.id}?lang=en").text
    assert "Tiếng Việt" in english and "Collected" in english
