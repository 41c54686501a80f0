"""Recording, printing, voiding and listing receipts through the web, as a treasurer does."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from ledger.models import Donor, Receipt
from ledger.services.journal import balance
from tests.conftest import form_tokens

RECEIPT = {
    "receipt_date": "15/05/2018",
    "amount": "1.050.000",
    "method": "cash",
    "source": "donation",
    "payer_name": "Nguyễn Văn Bình",
    "new_donor": "y",  # a new donor, not one picked from the list
    "donor_kind": "individual",
    "payer_address": "Thôn Đông, Chương Dương",
    "reason": "Ủng hộ Quỹ Bảo trợ trẻ em",
    "attachments": "1",
    "book_no": "01",
}


@pytest.fixture
def treasurer(make_user, login, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    login("thuquy.a")
    return unit("TT-CHUONGDUONG")


def _count(session):
    session.rollback()
    return session.exec(select(func.count(Receipt.id))).scalar_one()


def test_record_receipt_and_read_its_voucher(client, treasurer, submit, session):
    response = submit("/receipts/new", {**RECEIPT, "credit_unit_id": str(treasurer.id)})
    assert response.status_code == 302
    voucher = client.get(response.headers["Location"])
    assert "Một triệu không trăm năm mươi nghìn đồng" in voucher.text
    assert "1.050.000 đ" in voucher.text and "ngày 15 tháng 05 năm 2018" in voucher.text
    for block in ("Thủ trưởng đơn vị", "Kế toán trưởng", "Người lập", "Người nộp tiền", "Thủ quỹ"):
        assert block in voucher.text
    session.rollback()
    assert balance(session, unit_id=treasurer.id) == 1_050_000
    donor = session.exec(select(Donor)).scalars().one()
    assert donor.name == "Nguyễn Văn Bình"


def test_five_identical_posts_make_one_receipt(client, treasurer, session):
    page = client.get("/receipts/new")
    data = {**RECEIPT, "credit_unit_id": str(treasurer.id), **form_tokens(page.text)}
    locations = {client.post("/receipts/new", data=data).headers["Location"] for _ in range(5)}
    assert len(locations) == 1
    assert _count(session) == 1


def test_same_key_with_another_payload_is_refused(client, treasurer, session):
    page = client.get("/receipts/new")
    data = {**RECEIPT, "credit_unit_id": str(treasurer.id), **form_tokens(page.text)}
    assert client.post("/receipts/new", data=data).status_code == 302
    changed = client.post("/receipts/new", data={**data, "amount": "9.000.000"})
    assert changed.status_code == 409
    assert _count(session) == 1


def test_concurrent_resubmissions_make_one_receipt(app, treasurer, client, session):
    page = client.get("/receipts/new")
    data = {**RECEIPT, "credit_unit_id": str(treasurer.id), **form_tokens(page.text)}
    cookie = client.get_cookie("session").value

    def post(_):
        other = app.test_client()
        other.set_cookie("session", cookie, domain="localhost")
        return other.post("/receipts/new", data=data).status_code

    with ThreadPoolExecutor(max_workers=5) as pool:
        codes = list(pool.map(post, range(10)))
    assert set(codes) == {302}, codes
    assert _count(session) == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("amount", "", "Chưa nhập số tiền"),
        ("amount", "-5.000", "không được âm"),
        ("amount", "10,5", "số nguyên"),
        ("amount", "1e9", "chỉ gồm chữ số"),
        ("amount", "9" * 20, "vượt quá"),
        ("receipt_date", "31/02/2018", "Ngày không hợp lệ"),
        ("receipt_date", "", "Chưa nhập ngày"),
        ("method", "gold", "Not a valid choice"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    client, treasurer, submit, session, field, value, message
):
    response = submit(
        "/receipts/new", {**RECEIPT, "credit_unit_id": str(treasurer.id), field: value}
    )
    assert response.status_code == 200
    assert message in response.text
    assert _count(session) == 0


def test_in_kind_needs_a_description(client, treasurer, submit, session):
    response = submit(
        "/receipts/new", {**RECEIPT, "method": "in_kind", "credit_unit_id": str(treasurer.id)}
    )
    assert "mô tả hiện vật" in response.text and _count(session) == 0
    ok = submit(
        "/receipts/new",
        {
            **RECEIPT,
            "method": "in_kind",
            "in_kind_description": "Sách giáo khoa",
            "goods_unit": "bộ",
            "quantity": "50",
            "unit_value": "21.000",
            "credit_unit_id": str(treasurer.id),
        },
    )
    assert ok.status_code == 302
    session.rollback()
    assert balance(session, unit_id=treasurer.id) == 0  # goods are not cash
    assert balance(session, unit_id=treasurer.id, kinds=("in_kind",)) == 1_050_000


def test_anonymous_donor(client, treasurer, submit, session):
    response = submit(
        "/receipts/new",
        {**RECEIPT, "payer_name": "", "anonymous": "y", "credit_unit_id": str(treasurer.id)},
    )
    assert response.status_code == 302
    assert "ẩn danh" in client.get(response.headers["Location"]).text


def test_void_keeps_the_number_and_shows_da_huy(client, treasurer, submit, session, make_receipt):
    receipt = make_receipt(amount=700_000)
    session.commit()
    response = submit(
        f"/receipts/{receipt.id}", {"reason": "Ghi trùng"}, post_url=f"/receipts/{receipt.id}/void"
    )
    assert response.status_code == 302
    voucher = client.get(f"/receipts/{receipt.id}")
    assert "ĐÃ HỦY" in voucher.text and "Ghi trùng" in voucher.text
    listing = client.get(f"/receipts/?unit={treasurer.id}")
    assert "ĐÃ HỦY" in listing.text and f"{receipt.number}/2018" in listing.text
    session.rollback()
    assert balance(session, unit_id=treasurer.id) == 0


def test_list_filters_and_totals(client, treasurer, make_receipt, session):
    make_receipt(amount=100_000, on=date(2018, 1, 5), payer_name="Trần Văn A")
    make_receipt(
        amount=2_000_000, on=date(2018, 6, 1), payer_name="Công ty May Hà Hồi", method="bank"
    )
    make_receipt(amount=300_000, on=date(2018, 6, 2), payer_name="Lê Thị C")
    session.commit()
    everything = client.get(f"/receipts/?unit={treasurer.id}")
    assert "2.400.000 đ" in everything.text
    june_bank = client.get(
        f"/receipts/?unit={treasurer.id}&from=01/06/2018&to=30/06/2018&method=bank"
    )
    assert "2.000.000 đ" in june_bank.text and "Lê Thị C" not in june_bank.text
    by_amount = client.get(f"/receipts/?unit={treasurer.id}&min=200.000&max=500.000")
    assert "Lê Thị C" in by_amount.text and "Trần Văn A" not in by_amount.text


def test_voucher_pdf_downloads(client, treasurer, make_receipt, session):
    receipt = make_receipt(amount=1_050_000)
    session.commit()
    response = client.get(f"/receipts/{receipt.id}/voucher.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "phieu-thu-2018-0001.pdf" in response.headers["Content-Disposition"]


def test_donor_typeahead_is_accent_insensitive_and_scoped(client, treasurer, make_receipt, session):
    from ledger.services.donors import create_donor

    create_donor(session, unit_id=treasurer.id, name="Nguyễn Thị Hường")
    create_donor(session, unit_id=treasurer.id + 1, name="Nguyễn Thị Hương Xã Khác")
    session.commit()
    found = client.get("/receipts/donors?q=nguyen thi huong").json
    assert [d["name"] for d in found] == ["Nguyễn Thị Hường"]


def test_english_switch(client, treasurer):
    client.get("/lang/en")
    assert "Receipts" in client.get("/receipts/").text
    client.get("/lang/vi")
    assert "Phiếu thu" in client.get("/receipts/").text
