"""VietQR donation codes: the payload against published examples, its fields and CRC, the PNG
decoded, and the pages that show it (public page of a fund, poster, campaign page).

Published payloads, byte for byte:
- NAPAS, "Technical Specifications on NAPAS QR Switching, Part IV: QR code format" v1.5.2
  (vietqr.net, QR_Format_T&C_v1.5.2_EN_102022.pdf), the dynamic transfer-to-account example
  (CRC 2E2E), as quoted by binhnguyenduc/vietqr-ts tests/compliance/napas-dynamic-account.test.ts;
  its static example (CRC F4E5) has a length typo ("0112" before a 13-digit account), quoted in
  tests/compliance/napas-static-account.test.ts; the corrected string (CRC 9E6F) is
  takashato/laravel-vietqr's test "can create static IBFT to account".
- subiz/vietqr vietqr_test.go (CBB4, D9C6, 722F) and README.md (C15C).
- duyquoc1508/napas-qr README.md (AC13).
"""

from __future__ import annotations

import binascii
import io
import re
from datetime import date

import pytest
import zxingcpp
from PIL import Image

from ledger.services.campaigns import create_campaign
from ledger.services.quotas import allocate
from ledger.services.units import find_unit
from ledger.vietqr import (
    InvalidQR,
    build_payload,
    crc16,
    donation_purpose,
    donation_reference,
    parse_payload,
    parse_reference,
)
from tests.bankworld import make_account

SPEC_DYNAMIC = (
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA"
    "530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E"
)
SPEC_STATIC_AS_PRINTED = (
    "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5"
)

PUBLISHED = [
    # NAPAS v1.5.2, dynamic: amount, bill number (62/01) and purpose (62/08)
    (
        {
            "bank_bin": "970403",
            "account_number": "0011012345678",
            "amount": 180000,
            "bill_number": "NPS6869",
            "purpose": "thanh toan don hang",
        },
        SPEC_DYNAMIC,
    ),
    # NAPAS v1.5.2, static, with the account's length printed right (laravel-vietqr)
    (
        {"bank_bin": "970403", "account_number": "0011012345678"},
        "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA"
        "53037045802VN63049E6F",
    ),
    # subiz/vietqr: static without amount or purpose
    (
        {"bank_bin": "970423", "account_number": "0099999999"},
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA"
        "53037045802VN6304CBB4",
    ),
    # subiz/vietqr: dynamic with a purpose
    (
        {
            "bank_bin": "970422",
            "account_number": "0023457923442",
            "amount": 40123,
            "purpose": "test text string",
        },
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62200816test text string6304D9C6",
    ),
    # subiz/vietqr: Vietnamese purpose folded to ASCII
    (
        {
            "bank_bin": "970422",
            "account_number": "0023457923442",
            "amount": 40123,
            "purpose": "chuyển khoản",
        },
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62160812chuyen khoan6304722F",
    ),
    # subiz/vietqr README: a donation
    (
        {
            "bank_bin": "970415",
            "account_number": "0011001932418",
            "amount": 120000,
            "purpose": "ủng hộ lũ lụt",
        },
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
        "530370454061200005802VN62170813ung ho lu lut6304C15C",
    ),
    # duyquoc1508/napas-qr README
    (
        {
            "bank_bin": "970416",
            "account_number": "224528479",
            "amount": 10000,
            "bill_number": "NPS6869",
            "purpose": "TRANSFER TO SOMEONE",
        },
        "00020101021238530010A0000007270123000697041601092245284790208QRIBFTTA"
        "53037045405100005802VN62340107NPS68690819TRANSFER TO SOMEONE6304AC13",
    ),
]


# --- an independent reader: the stdlib's CRC-CCITT and a TLV split written here -------------


def independent_crc(text: str) -> str:
    """CRC-16/CCITT-FALSE by the standard library (binascii.crc_hqx, initial value FFFF)."""
    return f"{binascii.crc_hqx(text.encode('ascii'), 0xFFFF):04X}"


def split(data: str) -> dict[str, str]:
    out = {}
    while data:
        tag, size = data[:2], int(data[2:4])
        assert len(data) >= 4 + size, "a data object runs past the end"
        out[tag], data = data[4 : 4 + size], data[4 + size :]
    return out


def read(payload: str) -> dict:
    """The fields a bank app reads, checked the way this test knows how."""
    assert payload.endswith(independent_crc(payload[:-4])) and payload[-8:-4] == "6304"
    top = split(payload)
    merchant = split(top["38"])
    beneficiary = split(merchant["01"])
    return {
        "top": top,
        "guid": merchant["00"],
        "bin": beneficiary["00"],
        "account": beneficiary["01"],
        "service": merchant["02"],
        "purpose": split(top.get("62", "")).get("08"),
    }


# --- the payload ------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "published"), PUBLISHED)
def test_payload_equals_the_published_examples_byte_for_byte(values, published):
    assert build_payload(**values) == published
    assert independent_crc(published[:-4]) == published[-4:]


def test_crc_is_ccitt_false():
    assert crc16("123456789") == "29B1"  # the CRC catalogue's check value
    # the specification's static example as printed: its CRC is right over its (typo'd) text,
    # but the account's length says 12 before 13 digits, so the parser refuses to split it
    assert crc16(SPEC_STATIC_AS_PRINTED[:-4]) == "F4E5"
    with pytest.raises(ValueError):
        parse_payload(SPEC_STATIC_AS_PRINTED)


def test_parser_refuses_a_changed_payload():
    assert parse_payload(SPEC_DYNAMIC).amount == 180000
    with pytest.raises(ValueError, match="CRC"):
        parse_payload(SPEC_DYNAMIC.replace("180000", "980000"))
    with pytest.raises(ValueError):
        parse_payload(SPEC_DYNAMIC[:-8])


def test_without_an_amount_the_code_is_static_with_one_dynamic():
    static = read(build_payload(bank_bin="970405", account_number="2200000012"))
    assert static["top"]["01"] == "11" and "54" not in static["top"]
    dynamic = read(build_payload(bank_bin="970405", account_number="2200000012", amount=500000))
    assert dynamic["top"]["01"] == "12" and dynamic["top"]["54"] == "500000"
    for code in (static, dynamic):
        assert code["top"]["00"] == "01" and code["top"]["53"] == "704"
        assert code["top"]["58"] == "VN" and code["guid"] == "A000000727"
        assert code["service"] == "QRIBFTTA"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"bank_bin": "123456"}, "bin"),
        ({"bank_bin": "97040"}, "bin"),
        ({"account_number": "12345678901234567890"}, "account"),
        ({"account_number": "0011-0123"}, "account"),
        ({"account_number": ""}, "account"),
        ({"account_number": "１２３４５６"}, "account"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 10**13}, "amount"),
        ({"amount": True}, "amount"),
        ({"purpose": "x" * 26}, "purpose"),
        ({"purpose": "ủng hộ 漢字"}, "purpose"),
        ({"purpose": "bell\x07"}, "purpose"),
        ({"bill_number": "B" * 26}, "bill"),
    ],
)
def test_bad_fields_are_refused_by_name(values, reason):
    base = {"bank_bin": "970405", "account_number": "2200000012"}
    with pytest.raises(InvalidQR) as caught:
        build_payload(**{**base, **values})
    assert caught.value.reason == reason


def test_longest_fields_fit():
    payload = build_payload(
        bank_bin="970405", account_number="A" * 19, amount=10**13 - 1, purpose="y" * 25
    )
    assert read(payload)["account"] == "A" * 19 and read(payload)["purpose"] == "y" * 25


def test_reference_survives_a_payload_and_a_bank_that_mangles_it():
    reference = donation_reference(123, 45)
    payload = build_payload(
        bank_bin="970405", account_number="2200000012", purpose=donation_purpose(reference)
    )
    purpose = parse_payload(payload).purpose
    assert len(purpose) <= 25 and purpose.startswith(reference)
    assert parse_reference(purpose) == (found := parse_reference(purpose.upper()))
    assert (found.unit_id, found.campaign_id) == (123, 45)
    # a bank's statement: its own prefix, spaces inserted, lower case
    assert parse_reference(f"MBVCB.123.{purpose.lower()[:7]} {purpose.lower()[7:]}") == found


def test_extra_reference_part_is_kept_and_the_reference_still_read():
    """A pledge (issue #17) will add its own part after the reference."""
    reference = donation_reference(7, 3)
    purpose = donation_purpose(reference, extra="P12")
    assert purpose.startswith(f"{reference} P12") and len(purpose) <= 25
    found = parse_reference(purpose)
    assert (found.unit_id, found.campaign_id) == (7, 3)
    with pytest.raises(InvalidQR):
        donation_purpose(reference, extra="Z" * 20)


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def account(session):
    account = make_account(session, "HN-CHUONGDUONG", bank_bin="970436", number="0011004455667")
    session.commit()
    return account


def svg_count(html: str) -> int:
    return len(re.findall(r"<svg[^>]*class=\"qr\"", html))


def decode_png(data: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(found) == 1
    return found[0].text


def test_public_page_shows_the_primary_account_and_its_code(client, account, session):
    fund = find_unit(session, "HN-CHUONGDUONG")
    page = client.get(f"/public/units/{fund.id}")
    assert page.status_code == 200
    assert svg_count(page.text) == 1
    assert "0011004455667" in page.text and "Vietcombank" in page.text
    assert f"Quỹ Bảo trợ trẻ em {fund.name}" in page.text
    assert account.holder_name in page.text
    assert donation_reference(fund.id) in page.text

    png = client.get(f"/public/units/{fund.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    text = decode_png(png.data)
    fields = read(text)
    assert fields["bin"] == "970436" and fields["account"] == "0011004455667"
    assert parse_reference(fields["purpose"]).unit_id == fund.id
    assert fields["top"]["01"] == "11"


def test_public_page_with_an_amount_and_a_bad_one(client, account, session):
    fund = find_unit(session, "HN-CHUONGDUONG")
    page = client.get(f"/public/units/{fund.id}?amount=200.000")
    assert page.status_code == 200 and "200.000 đ" in page.text
    png = client.get(f"/public/units/{fund.id}/qr.png?amount=200000")
    assert read(decode_png(png.data))["top"]["54"] == "200000"

    for bad in ("abc", "-5", "1,5", "99999999999999", "0"):
        page = client.get(f"/public/units/{fund.id}", query_string={"amount": bad})
        assert page.status_code == 200, bad
        assert 'class="error"' in page.text and "Số tiền" in page.text, bad
        assert svg_count(page.text) == 1  # the code without an amount is still there
        assert (
            client.get(f"/public/units/{fund.id}/qr.png", query_string={"amount": bad}).status_code
            == 400
        )


def test_public_page_without_an_account_says_give_in_cash(client, account, session):
    other = find_unit(session, "HN-HONGVAN")
    page = client.get(f"/public/units/{other.id}")
    assert page.status_code == 200
    assert svg_count(page.text) == 0 and 'id="cash-only"' in page.text
    assert client.get(f"/public/units/{other.id}/qr.png").status_code == 404
    assert client.get(f"/public/units/{other.id}/poster").status_code == 404
    assert client.get("/public/units/999999").status_code == 404


def test_public_page_leaks_nothing_else(client, account, session, make_receipt):
    fund = find_unit(session, "HN-CHUONGDUONG")
    second = make_account(session, "HN-CHUONGDUONG", bank_bin="970405", number="9988776655")
    make_receipt(amount=3_456_789, payer_name="Trần Thị Nhà Hảo Tâm")
    session.commit()
    page = client.get(f"/public/units/{fund.id}").text
    assert second.account_number not in page
    assert "Nhà Hảo Tâm" not in page and "3.456.789" not in page
    # the second account is no public poster or PNG either
    assert client.get(f"/bank/accounts/{second.id}/qr").status_code == 302  # sign in first


def test_closed_account_or_fund_shows_no_code(client, account, session):
    fund = find_unit(session, "HN-CHUONGDUONG")
    account.closed_on = date(2020, 1, 1)
    session.add(account)
    merged = find_unit(session, "TT-CHUONGDUONG")  # merged into HN-CHUONGDUONG on 01/07/2025
    old = make_account(session, "TT-CHUONGDUONG", bank_bin="970405", number="5566778899")
    session.commit()
    page = client.get(f"/public/units/{fund.id}")
    assert svg_count(page.text) == 0 and "0011004455667" not in page.text
    page = client.get(f"/public/units/{merged.id}")
    assert svg_count(page.text) == 0 and old.account_number not in page.text
    assert 'id="fund-closed"' in page.text


def test_poster_is_scoped(client, login, make_user, account, session):
    make_user("thuquy.a", "treasurer", "HN-CHUONGDUONG")
    make_user("thuquy.hv", "treasurer", "HN-HONGVAN")
    other = make_account(session, "HN-HONGVAN", bank_bin="970405", number="1234567890")
    session.commit()

    login("thuquy.a")
    poster = client.get(f"/bank/accounts/{account.id}/qr")
    assert poster.status_code == 200
    assert "Chung tay vì trẻ em — Quét mã để ủng hộ" in poster.text
    assert "Quỹ Bảo trợ trẻ em xã Chương Dương" in poster.text
    assert svg_count(poster.text) == 1 and "0011004455667" in poster.text
    assert "lập phiếu thu" in poster.text
    assert client.get(f"/bank/accounts/{other.id}/qr").status_code == 404
    assert client.get(f"/bank/accounts/{other.id}/qr.png").status_code == 404
    assert client.get("/bank/accounts/999999/qr").status_code == 404
    png = client.get(f"/bank/accounts/{account.id}/qr.png?amount=50.000")
    assert png.status_code == 200 and read(decode_png(png.data))["top"]["54"] == "50000"
    bad = client.get(f"/bank/accounts/{account.id}/qr?amount=abc")
    assert bad.status_code == 200 and 'class="error"' in bad.text


def test_fund_without_account_is_told_to_declare_one(client, login, make_user, session):
    make_user("thuquy.a", "treasurer", "HN-CHUONGDUONG")
    fund = find_unit(session, "HN-CHUONGDUONG")
    other = find_unit(session, "HN-HONGVAN")
    login("thuquy.a")
    page = client.get(f"/bank/funds/{fund.id}/qr")
    assert page.status_code == 200 and 'id="no-account"' in page.text
    assert client.get(f"/bank/funds/{other.id}/qr").status_code == 404


def test_campaign_poster_carries_the_campaign(client, login, make_user, account, session):
    make_user("thuquy.a", "treasurer", "HN-CHUONGDUONG")
    campaign = create_campaign(
        session, unit_id=find_unit(session, "HN").id, year=2026, target=10**9
    )
    elsewhere = create_campaign(
        session, unit_id=find_unit(session, "HN-HONGVAN").id, year=2026, target=1_000_000
    )
    session.commit()
    login("thuquy.a")
    png = client.get(f"/bank/accounts/{account.id}/qr.png?campaign={campaign.id}")
    found = parse_reference(read(decode_png(png.data))["purpose"])
    assert (found.unit_id, found.campaign_id) == (account.unit_id, campaign.id)
    poster = client.get(f"/bank/accounts/{account.id}/qr?campaign={campaign.id}")
    assert campaign.name in poster.text
    for bad in (elsewhere.id, 999999, "x"):
        assert client.get(f"/bank/accounts/{account.id}/qr?campaign={bad}").status_code == 404


def test_campaign_page_shows_the_campaign_code_in_scope(client, login, make_user, session):
    city = find_unit(session, "HN")
    campaign = create_campaign(session, unit_id=city.id, year=2026, target=10**9)
    city_account = make_account(session, "HN", bank_bin="970415", number="1122334455")
    commune_account = make_account(session, "HN-CHUONGDUONG", number="2233445566")
    allocate(session, campaign_id=campaign.id, amounts={commune_account.unit_id: 10**8})
    make_user("duyet.hn", "reviewer", "HN")
    make_user("thuquy.a", "treasurer", "HN-CHUONGDUONG")
    session.commit()

    login("duyet.hn")
    page = client.get(f"/campaigns/{campaign.id}").text
    assert 'id="campaign-qr"' in page and svg_count(page) == 1
    assert donation_reference(city.id, campaign.id) in page
    assert city_account.account_number in page and commune_account.account_number in page
    assert f"/bank/accounts/{commune_account.id}/qr?campaign={campaign.id}" in page
    png = client.get(f"/bank/accounts/{city_account.id}/qr.png?campaign={campaign.id}")
    found = parse_reference(read(decode_png(png.data))["purpose"])
    assert (found.unit_id, found.campaign_id) == (city.id, campaign.id)

    client.post("/auth/logout", data={})
    client.delete_cookie("session")
    login("thuquy.a")
    page = client.get(f"/campaigns/{campaign.id}").text
    # the commune sees its own fund's code for the campaign, not the city's account
    assert commune_account.account_number in page and svg_count(page) == 1
    assert donation_reference(commune_account.unit_id, campaign.id) in page
    assert city_account.account_number not in page


def test_public_campaign_page_links_each_fund_to_its_donation_page(client, account, session):
    campaign = create_campaign(
        session, unit_id=find_unit(session, "HN").id, year=2026, target=10**9
    )
    allocate(session, campaign_id=campaign.id, amounts={account.unit_id: 10**8})
    session.commit()
    page = client.get(f"/public/campaigns/{campaign.id}").text
    link = f'href="/public/units/{account.unit_id}"'
    assert link in page
    fund_page = client.get(f"/public/units/{account.unit_id}")
    assert svg_count(fund_page.text) == 1


@pytest.mark.parametrize(
    "hostile", ["9" * 5000, "1" * 14, "١٢٣", "²", "1e6", "<script>", "10.000.000,5", " "]
)
def test_hostile_amounts_get_a_message_not_a_500(client, account, hostile):
    page = client.get(f"/public/units/{account.unit_id}", query_string={"amount": hostile})
    assert page.status_code == 200 and svg_count(page.text) == 1
    assert "<script>" not in page.text
    png = client.get(f"/public/units/{account.unit_id}/qr.png", query_string={"amount": hostile})
    assert png.status_code in (200, 400)
    if png.status_code == 200:  # an empty amount is no amount
        assert read(decode_png(png.data))["top"]["01"] == "11"


def test_an_account_number_vietqr_cannot_carry_is_named(client, login, make_user, session):
    """A bank account may be declared with up to 30 characters; VietQR carries 19."""
    long = make_account(session, "HN-CHUONGDUONG", number="1" * 25)
    make_user("thuquy.a", "treasurer", "HN-CHUONGDUONG")
    session.commit()
    page = client.get(f"/public/units/{long.unit_id}?amount=50000")
    assert page.status_code == 200 and svg_count(page.text) == 0
    assert "tối đa 19 ký tự" in page.text
    assert client.get(f"/public/units/{long.unit_id}/qr.png").status_code == 400
    login("thuquy.a")
    poster = client.get(f"/bank/accounts/{long.id}/qr")
    assert poster.status_code == 200 and "tối đa 19 ký tự" in poster.text


def test_public_code_for_a_campaign(client, account, session):
    city = find_unit(session, "HN")
    campaign = create_campaign(session, unit_id=city.id, year=2026, target=10**9)
    elsewhere = create_campaign(
        session, unit_id=find_unit(session, "HN-HONGVAN").id, year=2026, target=10**6
    )
    city_account = make_account(session, "HN", bank_bin="970415", number="1122334455")
    session.commit()
    # the public campaign page's donate link names the campaign
    body = client.get(f"/public/campaigns/{campaign.id}").text
    assert f'/public/units/{city.id}?campaign={campaign.id}"' in body
    page = client.get(f"/public/units/{city.id}?campaign={campaign.id}")
    assert campaign.name in page.text and donation_reference(city.id, campaign.id) in page.text
    png = client.get(f"/public/units/{city.id}/qr.png?campaign={campaign.id}&amount=100000")
    fields = read(decode_png(png.data))
    found = parse_reference(fields["purpose"])
    assert (found.unit_id, found.campaign_id) == (city.id, campaign.id)
    assert fields["account"] == city_account.account_number and fields["top"]["54"] == "100000"
    # a commune under the city may name the city's campaign; no fund names another's
    assert client.get(f"/public/units/{account.unit_id}?campaign={campaign.id}").status_code == 200
    for bad in (elsewhere.id, 999999, "x", "-1"):
        assert client.get(f"/public/units/{city.id}?campaign={bad}").status_code == 404
        assert client.get(f"/public/units/{city.id}/qr.png?campaign={bad}").status_code == 404


def test_a_closed_funds_public_page_links_its_successors(client, runner):
    """A donor who opens a commune merged in 2025 is sent on to the xã that took it over."""
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    from ledger.engine import get_engine, new_session
    from ledger.services.units import find_unit

    session = new_session(get_engine(client.application.config["DATABASE_URL"]), write=False)
    old, new = find_unit(session, "TT-CHUONGDUONG"), find_unit(session, "HN-CHUONGDUONG")
    session.close()
    page = client.get(f"/public/units/{old.id}")
    assert page.status_code == 200 and 'id="fund-closed"' in page.text
    assert f'href="/public/units/{new.id}"' in page.text
    assert 'id="fund-closed"' not in client.get(f"/public/units/{new.id}").text
