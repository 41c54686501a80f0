"""In the browser: a donor opens a commune fund's public page on a phone, and the QR code the
page draws (inline SVG) decodes to the fund's VietQR payload; with an amount typed, to a code
carrying it; the PNG download decodes the same."""

import io

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from ledger.services.donation_codes import donation_code
from ledger.vietqr import parse_payload, parse_reference
from tests.bankworld import make_account
from tests.browser import _shots

pytestmark = pytest.mark.browser


def _decode(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1
    return found[0].text


def test_donor_scans_the_public_page_code(page, live_server, session):
    account = make_account(session, "HN-CHUONGDUONG", bank_bin="970436", number="0011004455667")
    session.commit()
    expected = donation_code(account).payload
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    page.goto(f"{live_server.url}/public/units/{account.unit_id}")
    qr = page.locator("#qr svg")
    assert qr.is_visible()
    assert _decode(qr.screenshot()) == expected
    page.screenshot(path=str(_shots() / "vietqr-public.png"), full_page=True)

    page.fill("input[name=amount]", "200.000")
    page.click("#qr-amount-form button[type=submit]")
    page.wait_for_url("**amount=200.000*")
    with_amount = parse_payload(_decode(page.locator("#qr svg").screenshot()))
    assert with_amount.amount == 200_000 and with_amount.fields["01"] == "12"
    assert with_amount.bank_bin == "970436" and with_amount.account_number == "0011004455667"
    assert parse_reference(with_amount.purpose).unit_id == account.unit_id

    png = page.request.get(live_server.url + page.locator("#qr-png").get_attribute("href"))
    assert png.ok and parse_payload(_decode(png.body())).amount == 200_000

    page.goto(f"{live_server.url}/public/units/{account.unit_id}/poster")
    printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(printed.pages) == 1  # one A4 sheet (the poster's named @page)
    assert [round(x / 72 * 25.4) for x in printed.pages[0].mediabox[2:]] == [210, 297]
    page.emulate_media(media="print")
    assert _decode(page.locator("#qr svg").screenshot()) == expected
    page.screenshot(path=str(_shots() / "vietqr-poster.png"), full_page=True)
    assert refused == []
