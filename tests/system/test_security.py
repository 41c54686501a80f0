"""Fail closed, headers on every response, logs without secrets or children's names."""

import logging
from datetime import date

import pytest
from sqlalchemy import func, select

from ledger.models import Donor, IdempotencyKey, Receipt
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from tests.conftest import PASSWORD, form_tokens

RECEIPT = {
    "receipt_date": "15/05/2018",
    "amount": "1.050.000",
    "method": "cash",
    "source": "donation",
    "payer_name": "Nguyễn Văn Bình",
    "new_donor": "y",  # a new donor, not one picked from the list
    "donor_kind": "individual",
    "reason": "Ủng hộ",
    "attachments": "0",
}


def _counts(session):
    session.rollback()
    return tuple(
        session.exec(select(func.count()).select_from(m)).scalar_one()
        for m in (Receipt, Donor, IdempotencyKey)
    )


def test_an_exception_mid_transaction_fails_closed(
    app, client, make_user, login, session, unit, monkeypatch
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    before = _counts(session)

    def explode(*args, **kwargs):
        raise RuntimeError("SELECT password_hash FROM user -- " + app.config["SECRET_KEY"])

    monkeypatch.setattr("ledger.services.receipts.post_entries", explode)
    page = client.get("/receipts/new")
    response = client.post(
        "/receipts/new",
        data={
            **RECEIPT,
            "credit_unit_id": str(unit("TT-CHUONGDUONG").id),
            **form_tokens(page.text),
        },
    )
    assert response.status_code == 500
    for leak in ("Traceback", "SELECT", "password_hash", app.config["SECRET_KEY"], "RuntimeError"):
        assert leak not in response.text
    assert "Không có dữ liệu nào bị thay đổi" in response.text
    assert _counts(session) == before  # the donor made before the failure was rolled back too
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path, status",
    [
        ("/khong-co", 404),
        ("/admin/users", 302),
        ("/receipts/999999", 302),
        ("/static/style.css", 200),
    ],
)
def test_headers_on_every_response(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    csp = response.headers["Content-Security-Policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert part in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_pages_with_personal_data_are_not_cached(client, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    for path in ("/receipts/", "/beneficiaries/", "/books/3/cash.xlsx"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_logs_hold_no_passwords_tokens_or_childrens_names(
    app, client, make_user, login, session, unit, caplog
):
    make_user("kiemtoan", "auditor", "TT", can_unmask=True)
    child = create_beneficiary(
        session,
        unit_id=unit("TT-CHUONGDUONG").id,
        data=BeneficiaryInput(
            full_name="Phan Thị Logcanary", birth_date=date(2012, 1, 1), sex="female"
        ),
    )
    session.commit()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("ledger").addHandler(caplog.handler)
    try:
        login("kiemtoan")
        page = client.get(f"/beneficiaries/{child.id}")
        tokens = form_tokens(page.text)
        client.post(f"/beneficiaries/{child.id}/unmask", data={**tokens, "reason": "Kiểm tra"})
        client.post("/auth/login", data={"username": "kiemtoan", "password": "wrong-" + PASSWORD})
    finally:
        logging.getLogger("ledger").removeHandler(caplog.handler)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "unmask user=" in text and "action=beneficiaries.unmask" in text
    for secret in (PASSWORD, "Logcanary", tokens["csrf_token"], app.config["SECRET_KEY"]):
        assert secret not in text
