"""The smaller points of issue #15 next to approvals: circumstance groups as checkboxes, the
sign-in page's link to the public page, the favicon, an amount hint that is not a value, the
drafting form's available money, and ``dev.py serve --lan``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sqlalchemy import select

from ledger.models import Beneficiary
from ledger.services.beneficiaries import groups_of

ROOT = Path(__file__).resolve().parent.parent


def test_circumstance_groups_are_checkboxes(client, make_user, login, submit, session, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    page = client.get("/beneficiaries/new").text
    assert "<select multiple" not in page and 'multiple id="groups"' not in page
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', page)
    assert len([b for b in boxes if 'name="groups"' in b]) >= 2
    # each box has its own label, so a click on the words ticks it
    first = re.search(r'<label class="check"><input[^>]*id="(groups-0)"', page)
    assert first is not None
    codes = re.findall(r'name="groups" type="checkbox" value="([^"]+)"', page) or re.findall(
        r'type="checkbox"[^>]*value="([^"]+)"', page
    )
    response = submit(
        "/beneficiaries/new",
        {
            "full_name": "Phạm Văn Bình",
            "birth_date": "02/03/2013",
            "sex": "male",
            "unit_id": str(unit("TT-CHUONGDUONG").id),
            "groups": codes[:2],
            "consent_by": "Phạm Văn Cha",
            "consent_on": "01/03/2018",
        },
    )
    assert response.status_code == 302, response.text
    session.rollback()
    child = session.exec(select(Beneficiary)).scalars().one()
    assert sorted(g.code for g in groups_of(session, child.id)) == sorted(codes[:2])


def test_sign_in_page_links_to_the_public_page(client):
    page = client.get("/auth/login").text
    assert re.search(r'id="public-link">.*<a href="/public/">', page)
    assert client.get("/public/").status_code == 200


def test_every_page_has_a_favicon(client):
    for url in ("/auth/login", "/public/"):
        page = client.get(url).text
        link = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page)
        assert link is not None, url
    icon = client.get(link.group(1))
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")


def test_amount_hint_cannot_be_taken_for_a_value(client, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    for url in ("/receipts/new", "/disbursements/new"):
        page = client.get(url).text
        amount = re.search(r'<input[^>]*name="amount"[^>]*>', page).group(0)
        assert 'placeholder="VD: 500.000"' in amount, url
        assert 'value="' not in amount or 'value=""' in amount
        assert 'placeholder="10.000.000"' not in page


def test_drafting_form_shows_what_each_account_can_pay(funded, client, login):
    login("thuquy.a")
    page = client.get("/disbursements/new").text
    assert (
        "Quỹ Xã Chương Dương hiện có thể chi: tiền mặt 10.000.000 đ, tiền gửi ngân hàng 0 đ" in page
    )


def test_dev_serve_listens_on_loopback_unless_lan_is_asked(monkeypatch):
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    assert dev.bind_address([]) == ("127.0.0.1:5000", "http://127.0.0.1:5000")
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", dev.lan_address())  # an IPv4 address, always
    monkeypatch.setattr(dev, "lan_address", lambda: "192.168.1.23")
    assert dev.bind_address(["--lan"]) == ("0.0.0.0:5000", "http://192.168.1.23:5000")
    assert "--lan" in (ROOT / "README.md").read_text()
