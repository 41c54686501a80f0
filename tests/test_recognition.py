"""Recognition and the in-kind pages on the web: thank-you letters and certificates open as PDFs
naming the donor and the amount in words; an anonymous donor gets no named letter outside its
fund and a voided gift none; another unit's objects are 404; the goods book and the forms."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlmodel import select

from ledger.models import Disbursement, Receipt
from ledger.money import amount_in_words
from ledger.services.donors import create_donor
from ledger.services.receipts import void_receipt
from ledger.services.settings import voucher_settings
from tests.test_disbursements import category
from tests.test_in_kind import NOODLES, approve, gift, hand_out, pay

DONOR = "Công ty TNHH Hòa Bình"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def words(session, amount: int, on: date) -> str:
    settings = voucher_settings(session, on)
    return amount_in_words(amount, linh=settings["linh"], even=settings["even"])


@pytest.fixture
def gifts(session, funded, make_receipt):
    """Two gifts of one donor in 2018 (money and goods) and one of an anonymous donor."""
    fund = funded["fund"]
    donor = create_donor(session, unit_id=fund.id, name=DONOR, kind="enterprise")
    money = make_receipt(amount=2_500_000, donor_id=donor.id, payer_name=DONOR)
    goods = gift(make_receipt, donor_id=donor.id, payer_name=DONOR)
    hidden = create_donor(session, unit_id=fund.id, name="Bà Lê Thị Kín", anonymous=True)
    secret = make_receipt(amount=700_000, donor_id=hidden.id, payer_name="Bà Lê Thị Kín")
    session.commit()
    return {"donor": donor, "money": money, "goods": goods, "hidden": hidden, "secret": secret}


def test_thank_you_letter_names_the_donor_and_the_amount_in_words(
    client, login, session, funded, gifts
):
    login("thuquy.a")
    receipt = gifts["money"]
    text = pdf_text(client.get(f"/receipts/{receipt.id}/thank-you.pdf"))
    assert "THƯ CẢM ƠN" in text and DONOR in text
    assert words(session, 2_500_000, receipt.receipt_date) in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Chương Dương, ngày" in text


def test_certificate_of_an_in_kind_gift_counts_the_goods(client, login, session, funded, gifts):
    login("thuquy.a")
    receipt = gifts["goods"]
    text = pdf_text(client.get(f"/receipts/{receipt.id}/certificate.pdf"))
    assert "GIẤY CHỨNG NHẬN" in text and DONOR in text
    assert words(session, 1_500_000, receipt.receipt_date) in text
    assert f"10 thùng {NOODLES}" in text


def test_yearly_letter_lists_the_donors_gifts_and_their_total(
    client, login, session, funded, gifts
):
    login("thuquy.a")
    text = pdf_text(client.get(f"/donors/{gifts['donor'].id}/thank-you?year=2018"))
    assert DONOR in text and "2 lần" in text
    assert words(session, 4_000_000, date(2018, 12, 31)) in text
    assert "2.500.000 đ" in text and "1.500.000 đ" in text
    assert client.get(f"/donors/{gifts['donor'].id}/thank-you?year=2019").status_code == 404


def test_anonymous_donor_is_named_only_by_its_own_fund(client, login, funded, gifts):
    secret = gifts["secret"]
    login("duyet.tt")  # the district above: in scope, not the fund's staff
    refused = client.get(f"/receipts/{secret.id}/thank-you.pdf")
    assert refused.status_code == 403 and "Kín" not in refused.text
    assert client.get(f"/receipts/{secret.id}/certificate.pdf").status_code == 403
    assert client.get(f"/donors/{gifts['hidden'].id}/thank-you?year=2018").status_code in (
        403,
        404,
    )
    client.post("/auth/logout")
    login("thuquy.a")
    assert "Bà Lê Thị Kín" in pdf_text(client.get(f"/receipts/{secret.id}/thank-you.pdf"))


def test_voided_gift_gets_no_letter(client, login, session, funded, gifts):
    receipt = gifts["money"]
    void_receipt(session, receipt_id=receipt.id, reason="Ghi nhầm", on=date(2018, 3, 2))
    session.commit()
    login("thuquy.a")
    for kind in ("thank-you.pdf", "certificate.pdf"):
        refused = client.get(f"/receipts/{receipt.id}/{kind}")
        assert refused.status_code == 400 and "đã hủy" in refused.text
    page = client.get(f"/receipts/{receipt.id}")
    assert "thank-you.pdf" not in page.text


def test_letters_and_goods_of_another_unit_are_404(client, login, make_user, funded, gifts):
    make_user("thuquy.b", "treasurer", "TT-DUNGTIEN")
    login("thuquy.b")
    receipt = gifts["money"]
    assert client.get(f"/receipts/{receipt.id}/thank-you.pdf").status_code == 404
    assert client.get(f"/receipts/{receipt.id}/certificate.pdf").status_code == 404
    assert client.get(f"/donors/{gifts['donor'].id}/thank-you?year=2018").status_code == 404
    assert client.get(f"/goods/{funded['fund'].id}").status_code == 404


def test_receipt_page_links_the_letters(client, login, funded, gifts):
    login("thuquy.a")
    page = client.get(f"/receipts/{gifts['money'].id}").text
    assert f"/receipts/{gifts['money'].id}/thank-you.pdf" in page
    assert f"/receipts/{gifts['money'].id}/certificate.pdf" in page
    assert f"/donors/{gifts['donor'].id}/thank-you?year=2018" in page


def test_in_kind_voucher_prints_quantity_and_unit_value(client, login, funded, gifts):
    login("thuquy.a")
    page = client.get(f"/receipts/{gifts['goods'].id}").text
    assert "10 thùng × 150.000 đ/thùng" in page


def test_goods_book_page_reconciles(client, login, session, funded, gifts):
    item = hand_out(session, funded, quantity="4")
    approve(session, item, funded["reviewer"])
    pay(session, item)
    session.commit()
    login("thuquy.a")
    page = client.get(f"/goods/{funded['fund'].id}").text
    assert NOODLES in page and 'id="goods-reconciled"' in page
    assert re.search(r'id="goods-on-hand">900\.000 đ<', page)
    assert re.search(r'id="goods-account">900\.000 đ<', page)


RECEIPT_FORM = {
    "receipt_date": "01/03/2018",
    "payer_name": "Chị Nguyễn Thị Gạo",
    "new_donor": "y",
    "donor_kind": "individual",
    "method": "in_kind",
    "source": "donation",
    "in_kind_description": "Gạo tẻ",
    "goods_unit": "kg",
    "quantity": "12,5",
    "unit_value": "18.000",
    "amount": "225.000",
    "reason": "Ủng hộ Quỹ Bảo trợ trẻ em",
    "attachments": "0",
}


def _receipt_form(funded, **changes):
    return {**RECEIPT_FORM, "credit_unit_id": str(funded["fund"].id), **changes}


def test_receipt_form_records_quantity_and_unit_value(client, login, submit, session, funded):
    login("thuquy.a")
    url = f"/receipts/new?unit={funded['fund'].id}"
    done = submit(url, _receipt_form(funded))
    assert done.status_code == 302, done.text
    session.rollback()
    stored = session.exec(select(Receipt).where(Receipt.method == "in_kind")).one()
    assert (stored.amount, stored.quantity_milli, stored.unit_value, stored.goods_unit) == (
        225_000,
        12_500,
        18_000,
        "kg",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": "12,55555"}, "Số lượng"),
        ({"amount": "200.000"}, "225.000 đ"),
        ({"quantity": ""}, "Hiện vật cần số lượng"),
        ({"quantity": "1" * 4400}, "Số lượng"),  # int() of >4300 digits raised: a 500
    ],
)
def test_bad_in_kind_receipt_stays_on_the_form(
    client, login, submit, session, funded, changes, message
):
    login("thuquy.a")
    url = f"/receipts/new?unit={funded['fund'].id}"
    refused = submit(url, _receipt_form(funded, **changes))
    assert refused.status_code in (200, 400) and message in refused.text
    assert "Gạo tẻ" in refused.text  # what the user typed stays
    session.rollback()
    assert session.exec(select(Receipt).where(Receipt.method == "in_kind")).first() is None


def _goods_payout(session, **changes):
    return {
        "disbursement_date": "01/06/2018",
        "category_id": str(category(session, "gift_tet").id),
        "beneficiary_id": "0",
        "payee_name": "Trường Tiểu học Chương Dương",
        "reason": "Quà Tết",
        "method": "in_kind",
        "goods_item": f"{NOODLES} | thùng",
        "quantity": "3",
        "unit_value": "150.000",
        "attachments": "0",
        **changes,
    }


def test_disbursement_form_hands_out_goods(client, login, submit, session, funded, gifts):
    login("thuquy.a")
    url = f"/disbursements/new?unit={funded['fund'].id}"
    page = client.get(url).text
    assert f"{NOODLES} | thùng" in page
    done = submit(url, _goods_payout(session))
    assert done.status_code == 302, done.text
    session.rollback()  # see what the request committed
    item = session.exec(select(Disbursement).where(Disbursement.method == "in_kind")).one()
    assert (item.amount, item.quantity_milli, item.goods_unit) == (450_000, 3_000, "thùng")
    shown = client.get(done.headers["Location"]).text
    assert f"3 thùng “{NOODLES}” × 150.000 đ" in shown


def test_disbursement_form_refuses_a_huge_quantity_on_its_field(
    client, login, submit, session, funded, gifts
):
    login("thuquy.a")
    url = f"/disbursements/new?unit={funded['fund'].id}"
    refused = submit(url, _goods_payout(session, quantity="1" * 4400))
    assert refused.status_code in (200, 400) and "Số lượng" in refused.text
    session.rollback()
    assert (
        session.exec(select(Disbursement).where(Disbursement.method == "in_kind")).first() is None
    )


def test_disbursement_form_refuses_more_goods_than_on_hand(
    client, login, submit, session, funded, gifts
):
    login("thuquy.a")
    url = f"/disbursements/new?unit={funded['fund'].id}"
    refused = submit(url, _goods_payout(session, quantity="11"))
    assert refused.status_code == 400
    assert "chỉ còn 10 thùng" in refused.text and 'value="11"' in refused.text
    session.rollback()
    assert (
        session.exec(select(Disbursement).where(Disbursement.method == "in_kind")).first() is None
    )


def test_disbursement_form_refuses_a_unit_value_off_the_book(
    client, login, submit, session, funded, gifts
):
    login("thuquy.a")
    url = f"/disbursements/new?unit={funded['fund'].id}"
    refused = submit(url, _goods_payout(session, quantity="10", unit_value="1"))
    assert refused.status_code == 400
    assert "150.000 đ/thùng" in refused.text and 'value="10"' in refused.text
    assert re.search(r'<p class="error">[^<]*: Đơn giá xuất', refused.text)  # at its field
    assert re.search(
        r'aria-invalid="true"[^>]*name="unit_value"|name="unit_value"[^>]*aria-invalid',
        refused.text,
    )
    session.rollback()
    assert (
        session.exec(select(Disbursement).where(Disbursement.method == "in_kind")).first() is None
    )
