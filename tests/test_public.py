"""The public campaign page: open figures, no personal data."""

from sqlalchemy import select


def test_public_page_has_no_personal_data(client, demo, session):
    from ledger.models import Donor

    page = client.get(f"/public/campaigns/{demo.id}")
    assert page.status_code == 200 and "Xã Chương Dương" in page.text
    assert "Canarychild" not in page.text and "Mẹ của trẻ" not in page.text
    donors = session.exec(select(Donor.name)).scalars().all()
    assert donors and not [name for name in donors if name in page.text]
