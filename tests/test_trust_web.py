"""What an adversary found on the web edge, each pinned: no 500 for what a user can send, and a
refusal keeps the user's work (the form again, with their values and the message)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ledger.exports.charts import category_chart, progress_chart
from ledger.models import Receipt
from ledger.services.locks import lock_period
from ledger.text import parse_digits
from tests.conftest import form_tokens

RECEIPT = {
    "receipt_date": "15/05/2018",
    "amount": "1.050.000",
    "method": "cash",
    "source": "donation",
    "payer_name": "Nguyễn Văn Bình",
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


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/phish",
        "//evil.example",
        "/\\evil.example",
        "/%0a/x",
        "https://evil.example/",
        "/%0d%0aSet-Cookie:x=1",
        "/\u200b/evil.example",
        " //evil.example",
        "/ /evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    page = client.get("/auth/login")
    response = client.post(
        f"/auth/login?next={target}",
        data={
            "username": "thuquy.a",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).netloc in ("", "localhost") and not location.startswith("//")
    assert (
        "evil" not in location
        and "\n" not in location
        and "Set-Cookie" not in response.headers.get_all("Set-Cookie")
    )


def test_sign_in_keeps_a_same_site_next(client, make_user):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login?next=/receipts/%3Fpage%3D2",
        data={
            "username": "thuquy.a",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    assert response.headers["Location"].endswith("/receipts/?page=2")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("42", 42),
        ("²", None),
        ("٣", None),
        ("0", None),
        ("-1", None),
        (" 4", None),
        (str(2**31), None),
        (str(2**31 - 1), 2**31 - 1),
        ("9" * 5000, None),
    ],
)
def test_one_strict_parser_for_ids_and_pages(text, expected):
    assert parse_digits(text) == expected


@pytest.mark.parametrize("bad", ["²", "٣", str(2**31), str(2**63), str(10**30)])
def test_ids_beyond_the_column_are_not_found(client, treasurer, bad):
    for path in (
        f"/receipts/{bad}",
        f"/disbursements/{bad}",
        f"/public/campaigns/{bad}",
        f"/campaigns/{bad}",
        f"/books/{bad}/cash",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    "query",
    [
        "page=²",
        "unit=²",
        "page=٣",
        "unit=2147483648",
        "page=9223372036854775808",
        "donor=a%00b",
        "q=%00",
        "min=" + "9" * 5000,
    ],
)
def test_typed_query_values_are_never_a_server_error(client, treasurer, query):
    for path in ("/receipts/", "/disbursements/", "/audit/", "/receipts/donors", "/beneficiaries/"):
        assert client.get(f"{path}?{query}").status_code < 500, path


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


def test_mathtext_in_a_label_is_drawn_as_typed():
    for label in ("$x^$", "Chi $\\frac{ thử", "$$", "a$b$c"):
        assert category_chart([(label, 1_000_000)], title=label).startswith(b"\x89PNG")
        assert progress_chart([(label, 10, 5)], title=label).startswith(b"\x89PNG")


def test_quota_weights_in_superscript_are_refused_not_a_500(client, make_user, login, submit):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get("/campaigns/1/quotas")
    assert page.status_code == 200
    import re

    weights = dict.fromkeys(re.findall(r'name="(weight-\d+)"', page.text), "²")
    response = submit("/campaigns/1/quotas", {"mode": "weights", "total": "1.000.000", **weights})
    assert response.status_code == 400
    assert 'value="1.000.000"' in response.text  # what was typed is still there
    assert 'value="weights" checked' in response.text and 'value="²"' in response.text


# --- a refusal keeps the user's work ---------------------------------------------------------


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


def test_transfer_received_with_a_difference_and_no_reason_keeps_the_form(
    client, make_user, login, submit, session, make_receipt, unit
):
    from ledger.services.transfers import send_transfer

    commune, district = unit("TT-CHUONGDUONG"), unit("TT")
    make_receipt(amount=1_000_000)
    transfer = send_transfer(
        session,
        from_unit_id=commune.id,
        to_unit_id=district.id,
        amount=300_000,
        on=date(2018, 3, 5),
        from_method="cash",
    )
    session.commit()
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    url = f"/transfers/{transfer.id}/receive"
    response = submit(url, {"amount": "290.000", "received_on": "05/03/2018", "reason": ""})
    assert response.status_code == 400
    assert "phải ghi lý do chênh lệch" in response.text
    assert 'value="290.000"' in response.text


def test_reject_without_a_reason_stays_on_the_page(client, make_user, login, session, unit):
    from ledger.services.disbursements import DisbursementInput, draft_disbursement

    commune = unit("TT-CHUONGDUONG")
    item = draft_disbursement(
        session,
        unit_id=commune.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1), category_id=1, payee_name="Bố", amount=100_000
        ),
    )
    session.commit()
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get(f"/disbursements/{item.id}")
    response = client.post(
        f"/disbursements/{item.id}/reject", data={**form_tokens(page.text), "comment": "  "}
    )
    assert response.status_code == 400
    assert "Phải ghi lý do" in response.text and "Từ chối" in response.text
