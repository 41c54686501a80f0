"""Receipt forms at the web edge: what a user can type is a message on the form they typed, never
a 500, and a refusal keeps their values."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ledger.models import Receipt
from ledger.services.locks import lock_period
from tests.conftest import form_tokens

RECEIPT = {
    "receipt_date": "15/05/2018",
    "amount": "1.050.000",
    "method": "cash",
    "source": "donation",
    "payer_name": "Nguyễn Văn Bình",
    "new_donor": "y",  # a new donor, not one picked from the list
    "donor_kind": "individual",
    "payer_address": "Thôn Đông",
    "reason": "Ủng hộ Quỹ",
    "attachments": "0",
}


@pytest.fixture
def treasurer(make_user, login, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    return unit("TT-CHUONGDUONG")


def test_a_superscript_donor_id_is_refused_at_the_field(client, treasurer, submit, session):
    response = submit(
        "/receipts/new", {**RECEIPT, "credit_unit_id": str(treasurer.id), "donor_id": "²"}
    )
    assert response.status_code == 200 and "Phiếu chưa được ghi" in response.text
    assert session.exec(select(func.count(Receipt.id))).scalar_one() == 0


def test_a_receipt_without_payer_name_field_is_a_message(client, treasurer, submit):
    data = {**RECEIPT, "credit_unit_id": str(treasurer.id)}
    del data["payer_name"]
    response = submit("/receipts/new", data)
    assert response.status_code == 200
    assert "Nhập tên người nộp" in response.text


def test_a_5000_digit_amount_says_too_large_in_the_users_words(client, treasurer, submit):
    response = submit(
        "/receipts/new", {**RECEIPT, "credit_unit_id": str(treasurer.id), "amount": "9" * 5000}
    )
    assert response.status_code == 200
    assert "vượt quá 1.000.000.000.000 đ" in response.text
    assert "4300" not in response.text and "Exceeds" not in response.text


def test_receipt_in_a_locked_period_keeps_the_form(client, treasurer, submit, session):
    lock_period(session, unit_id=treasurer.id, through=date(2018, 6, 30), user_id=None)
    session.commit()
    response = submit(
        "/receipts/new",
        {**RECEIPT, "credit_unit_id": str(treasurer.id), "payer_name": "Trần Thị Giữ Lại"},
    )
    assert response.status_code == 400
    assert "đã khóa đến ngày 30/06/2018" in response.text
    assert 'value="Trần Thị Giữ Lại"' in response.text and 'value="1.050.000"' in response.text
    # the corrected form (a date after the lock) is accepted
    tokens = form_tokens(response.text)
    fixed = client.post(
        "/receipts/new",
        data={
            **RECEIPT,
            **tokens,
            "receipt_date": "01/07/2018",
            "credit_unit_id": str(treasurer.id),
        },
    )
    assert fixed.status_code == 302
    session.rollback()
    assert session.exec(select(func.count(Receipt.id))).scalar_one() == 1
