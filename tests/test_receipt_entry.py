"""Entering receipts quickly and safely: record another, the remembered book number, the
amount in words before saving, a donor picked or explicitly new, and the lists' search."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ledger.models import Donor, Receipt
from ledger.money import amount_in_words
from tests.conftest import form_tokens

RECEIPT = {
    "receipt_date": "15/05/2018",
    "amount": "1.050.000",
    "method": "bank",
    "source": "donation",
    "payer_name": "Nguyễn Văn Bình",
    "new_donor": "y",
    "donor_kind": "individual",
    "reason": "Ủng hộ Quỹ Bảo trợ trẻ em",
    "attachments": "0",
    "book_no": "07",
}


@pytest.fixture
def treasurer(make_user, login, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    return unit("TT-CHUONGDUONG")


def _receipts(session) -> list[Receipt]:
    session.rollback()
    return list(session.exec(select(Receipt).order_by(Receipt.id)).scalars())


def _post(client, url: str, data: dict):
    page = client.get(url)
    return client.post(url, data={**form_tokens(page.text), **data})


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return found.group(1) if found else ""


def test_record_another_keeps_the_kept_fields_and_names_the_saved_voucher(
    client, treasurer, session
):
    url = f"/receipts/new?unit={treasurer.id}"
    page = client.get(url)
    tokens = form_tokens(page.text)
    data = {**tokens, **RECEIPT, "credit_unit_id": str(treasurer.id), "another": "1"}
    response = client.post(url, data=data)
    assert response.status_code == 302
    [saved] = _receipts(session)
    assert f"saved={saved.id}" in response.headers["Location"]

    again = client.post(url, data=data)  # the same form resubmitted: no second receipt
    assert again.headers["Location"] == response.headers["Location"]
    assert len(_receipts(session)) == 1

    nxt = client.get(response.headers["Location"])
    number = f"{saved.number}/{saved.year}"
    assert f"Đã ghi phiếu thu số {number}." in nxt.text
    assert f'href="/receipts/{saved.id}"' in nxt.text
    assert _value(nxt.text, "receipt_date") == "15/05/2018"
    assert _value(nxt.text, "book_no") == "07"
    assert 'value="bank" selected' in nxt.text or 'selected value="bank"' in nxt.text
    assert _value(nxt.text, "payer_name") == "" and _value(nxt.text, "amount") == ""
    assert _value(nxt.text, "idempotency_key") != tokens["idempotency_key"]

    plain = client.post(
        url,
        data={
            **form_tokens(client.get(url).text),
            **RECEIPT,
            "payer_name": "Lê Thị Hai",
            "credit_unit_id": str(treasurer.id),
        },
    )
    assert plain.headers["Location"].startswith("/receipts/")
    assert "saved=" not in plain.headers["Location"]


def test_a_new_form_remembers_the_book_number_this_user_used_last_in_the_fund(
    client, treasurer, session
):
    url = f"/receipts/new?unit={treasurer.id}"
    assert _value(client.get(url).text, "book_no") == ""
    _post(client, url, {**RECEIPT, "book_no": "12", "credit_unit_id": str(treasurer.id)})
    assert _value(client.get(url).text, "book_no") == "12"


def test_the_amount_in_words_is_what_the_voucher_prints(client, treasurer, session):
    for amount in (1, 15, 105, 1_050_000, 21_000_005, 1_000_000_000):
        shown = client.get(f"/receipts/words?amount={amount}&date=15/05/2018").json["words"]
        assert shown == amount_in_words(amount)
    assert client.get("/receipts/words?amount=1.050.000").json["words"] == (
        "Một triệu không trăm năm mươi nghìn đồng"
    )
    assert client.get("/receipts/words?amount=abc").json == {"words": ""}
    assert client.get("/receipts/words").json == {"words": ""}
    page = client.get(f"/receipts/new?unit={treasurer.id}")
    assert 'id="amount-words"' in page.text and "/receipts/words" in page.text


def test_a_half_typed_name_is_refused_on_its_field_with_the_values_kept(client, treasurer, session):
    url = f"/receipts/new?unit={treasurer.id}"
    data = {**RECEIPT, "payer_name": "Nguy", "credit_unit_id": str(treasurer.id)}
    del data["new_donor"]
    response = _post(client, url, data)
    assert response.status_code == 400
    assert "Chọn nhà hảo tâm trong danh sách gợi ý" in response.text
    assert 'value="Nguy"' in response.text and 'value="1.050.000"' in response.text
    assert "Một triệu không trăm năm mươi nghìn đồng" in response.text  # words shown too
    assert _receipts(session) == []
    session.rollback()
    assert session.scalar(select(func.count(Donor.id)).where(Donor.name == "Nguy")) == 0


def test_a_typed_name_of_an_existing_donor_is_offered_not_duplicated(client, treasurer, session):
    url = f"/receipts/new?unit={treasurer.id}"
    base = {**RECEIPT, "credit_unit_id": str(treasurer.id)}
    assert _post(client, url, base).status_code == 302
    [first] = _receipts(session)
    offered = _post(client, url, {**base, "payer_name": "nguyen van binh"})
    assert offered.status_code == 400
    assert "Quỹ đã có nhà hảo tâm tên này" in offered.text
    assert f'name="donor_choice" value="{first.donor_id}"' in offered.text
    assert len(_receipts(session)) == 1

    tokens = form_tokens(offered.text)
    picked = client.post(
        url,
        data={
            **tokens,
            **base,
            "payer_name": "nguyen van binh",
            "donor_choice": str(first.donor_id),
        },
    )
    assert picked.status_code == 302
    rows = _receipts(session)
    assert len(rows) == 2 and rows[1].donor_id == first.donor_id

    other = _post(client, url, {**base, "donor_choice": "new"})
    assert other.status_code == 302
    rows = _receipts(session)
    assert len(rows) == 3 and rows[2].donor_id != first.donor_id


def test_a_picked_donor_and_an_anonymous_gift_need_no_new_donor_mark(client, treasurer, session):
    url = f"/receipts/new?unit={treasurer.id}"
    base = {**RECEIPT, "credit_unit_id": str(treasurer.id)}
    assert _post(client, url, base).status_code == 302
    donor_id = _receipts(session)[0].donor_id
    picked = {**base, "donor_id": str(donor_id)}
    del picked["new_donor"]
    assert _post(client, url, picked).status_code == 302
    anonymous = {**base, "payer_name": "", "anonymous": "y"}
    del anonymous["new_donor"]
    assert _post(client, url, anonymous).status_code == 302
    assert len(_receipts(session)) == 3


def test_lists_search_without_accents_and_by_number(client, treasurer, session):
    url = f"/receipts/new?unit={treasurer.id}"
    for name in ("Nguyễn Văn Bình", "Trường Chương Dương", "Lê Thị Ba"):
        _post(client, url, {**RECEIPT, "payer_name": name, "credit_unit_id": str(treasurer.id)})
    rows = _receipts(session)
    listed = client.get(f"/receipts/?unit={treasurer.id}&donor=nguyen").text
    assert "Nguyễn Văn Bình" in listed and "Lê Thị Ba" not in listed
    listed = client.get(f"/receipts/?unit={treasurer.id}&donor=chuong+duong").text
    assert "Trường Chương Dương" in listed and "Nguyễn Văn Bình" not in listed
    third = rows[2]
    listed = client.get(f"/receipts/?unit={treasurer.id}&donor={third.number}/{third.year}").text
    assert "Lê Thị Ba" in listed and "Nguyễn Văn Bình" not in listed
    assert client.get("/disbursements/?q=tran+thi").status_code == 200
    assert client.get("/transfers/?q=tet").status_code == 200


def test_bad_filters_are_named_with_their_value_and_the_list_is_honest(client, treasurer, session):
    url = f"/receipts/new?unit={treasurer.id}"
    _post(client, url, {**RECEIPT, "credit_unit_id": str(treasurer.id)})
    page = client.get(f"/receipts/?unit={treasurer.id}&from=31/02/2026&min=abc&method=zzz")
    assert page.status_code == 200
    assert "“Từ ngày”: Ngày không hợp lệ" in page.text and "“31/02/2026”" in page.text
    assert "“Số tiền từ”" in page.text and "“abc”" in page.text
    assert "“Hình thức”" in page.text and "“zzz”" in page.text
    assert "danh sách không lọc theo ô này" in page.text
    assert "Nguyễn Văn Bình" in page.text  # shown unfiltered, not an empty list
    bad = client.get("/disbursements/?from=99/99/2018&status=lost").text
    assert "“99/99/2018”" in bad and "“lost”" in bad


def test_anonymous_ticked_beside_a_picked_donor_is_refused_on_the_box(client, treasurer, session):
    url = f"/receipts/new?unit={treasurer.id}"
    base = {**RECEIPT, "credit_unit_id": str(treasurer.id)}
    assert _post(client, url, base).status_code == 302
    donor_id = _receipts(session)[0].donor_id
    both = {**base, "donor_id": str(donor_id), "anonymous": "y"}
    del both["new_donor"]
    refused = _post(client, url, both)
    assert refused.status_code == 400
    assert "bỏ chọn “Ẩn danh”" in refused.text
    assert 'value="1.050.000"' in refused.text and "Nguyễn Văn Bình" in refused.text
    assert len(_receipts(session)) == 1  # nothing recorded, the tick not silently dropped
