"""Payouts through the web: masking, audited unmask, approval by role, Phiếu chi."""

from datetime import date

import pytest
from sqlalchemy import select

from ledger.models import AuditEvent, Disbursement
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.journal import balance
from tests.conftest import form_tokens

CHILD = "Nguyễn Thị Canaryname"


@pytest.fixture
def child(session, make_receipt, unit):
    make_receipt(amount=20_000_000, on=date(2018, 1, 5))
    kid = create_beneficiary(
        session,
        unit_id=unit("TT-CHUONGDUONG").id,
        data=BeneficiaryInput(
            full_name=CHILD,
            birth_date=date(2012, 4, 9),
            sex="female",
            guardian_name="Mẹ Canaryname",
            groups=("serious_illness_poor",),
        ),
    )
    session.commit()
    return kid


def _get_routes(app, ids):
    from flask import url_for

    with app.test_request_context():
        return [
            url_for(r.endpoint, **{a: ids[a] for a in r.arguments})
            for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint != "static" and set(r.arguments) <= set(ids)
        ]


@pytest.mark.parametrize(
    "username, role, code",
    [
        ("kiemtoan", "auditor", "TT"),
        ("thuquy.huyen", "treasurer", "TT"),
        ("duyet.tt", "reviewer", "TT"),
        ("quantri", "admin", "HN"),
    ],
)
def test_child_name_is_masked_in_every_view_they_open(
    app, client, child, make_user, login, session, username, role, code
):
    make_user(username, role, code)
    login(username)
    ids = {
        "beneficiary_id": child.id,
        "unit_id": child.unit_id,
        "kind": "cash",
        "code": "vi",
        "receipt_id": 1,
        "user_id": 1,
    }
    routes = [*_get_routes(app, ids), f"/disbursements/?unit={child.unit_id}"]
    for url in routes:
        body = client.get(url).data
        assert b"Canaryname" not in body, url
    assert "N*** T*** C***" in client.get(f"/beneficiaries/{child.id}").text


def test_treasurer_of_the_unit_sees_in_full(client, child, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    assert CHILD in client.get(f"/beneficiaries/{child.id}").text


def test_unmask_needs_the_permission_and_is_audited(
    client, child, make_user, login, submit, session
):
    make_user("kiemtoan", "auditor", "TT", can_unmask=True)
    login("kiemtoan")
    page = client.get(f"/beneficiaries/{child.id}")
    assert CHILD not in page.text
    shown = client.post(
        f"/beneficiaries/{child.id}/unmask",
        data={**form_tokens(page.text), "reason": "Kiểm toán hồ sơ phẫu thuật"},
    )
    assert CHILD in shown.text
    session.rollback()
    event = (
        session.exec(select(AuditEvent).where(AuditEvent.action == "beneficiary.unmask"))
        .scalars()
        .one()
    )
    assert event.object_id == child.id and "Kiểm toán" in event.after


def test_unmask_without_permission_is_refused(client, child, make_user, login, session):
    make_user("kiemtoan", "auditor", "TT")
    login("kiemtoan")
    page = client.get(f"/beneficiaries/{child.id}")
    response = client.post(
        f"/beneficiaries/{child.id}/unmask", data={**form_tokens(page.text), "reason": "tò mò"}
    )
    assert response.status_code == 403 and CHILD not in response.text


def test_workflow_draft_approve_pay_through_the_web(
    app, client, child, make_user, login, submit, session, unit
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_user("duyet.tt", "reviewer", "TT")
    login("thuquy.a")
    response = submit(
        "/disbursements/new",
        {
            "disbursement_date": "01/06/2018",
            "category_id": "1",
            "beneficiary_id": str(child.id),
            "amount": "15.000.000",
            "payee_name": "Mẹ Canaryname",
            "reason": "Hỗ trợ phẫu thuật tim",
            "method": "cash",
        },
    )
    assert response.status_code == 302
    item = session.exec(select(Disbursement)).scalars().one()
    show = f"/disbursements/{item.id}"
    assert "Duyệt" not in client.get(show).text  # a treasurer cannot approve
    approve = client.post(f"{show}/approve", data=form_tokens(client.get(show).text))
    assert approve.status_code == 403

    reviewer = app.test_client()
    page = reviewer.get("/auth/login")
    reviewer.post(
        "/auth/login",
        data={
            "username": "duyet.tt",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    assert "15.000.000 đ" in reviewer.get("/disbursements/queue").text
    assert (
        reviewer.post(
            f"{show}/approve", data={**form_tokens(reviewer.get(show).text), "comment": "Đồng ý"}
        ).status_code
        == 302
    )

    paid = client.post(
        f"{show}/pay", data={**form_tokens(client.get(show).text), "paid_on": "03/06/2018"}
    )
    assert paid.status_code == 302
    voucher = client.get(show).text
    assert "PHIẾU CHI" in voucher and "Mười lăm triệu đồng" in voucher
    assert client.get(f"{show}/voucher.pdf").data.startswith(b"%PDF")
    session.rollback()
    assert balance(session, unit_id=unit("TT-CHUONGDUONG").id) == 5_000_000
    assert "15.000.000 đ" in client.get(f"/beneficiaries/{child.id}").text


def test_overdraft_is_refused_with_a_message(app, client, child, make_user, login, session, submit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_user("duyet.tt", "reviewer", "TT")
    login("thuquy.a")
    submit(
        "/disbursements/new",
        {
            "disbursement_date": "01/06/2018",
            "category_id": "1",
            "beneficiary_id": "0",
            "amount": "25.000.000",
            "payee_name": "Bệnh viện",
            "reason": "x",
            "method": "cash",
        },
    )
    item = session.exec(select(Disbursement)).scalars().one()
    reviewer = app.test_client()
    page = reviewer.get("/auth/login")
    reviewer.post(
        "/auth/login",
        data={
            "username": "duyet.tt",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    show = f"/disbursements/{item.id}"
    response = reviewer.post(f"{show}/approve", data=form_tokens(reviewer.get(show).text))
    assert response.status_code == 400
    assert "Quỹ không đủ số dư" in response.text and "20.000.000 đ" in response.text


def test_group_gift_and_transfer_pages(client, child, make_user, login, submit, session, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    response = submit(
        "/disbursements/new",
        {
            "disbursement_date": "20/09/2018",
            "category_id": "7",
            "beneficiary_id": "0",
            "children_count": "120",
            "amount_each": "150.000",
            "payee_name": "Đoàn Thanh niên xã",
            "reason": "Quà Trung thu",
            "method": "cash",
        },
    )
    assert response.status_code == 302
    assert "18.000.000 đ" in client.get(response.headers["Location"]).text
    sent = submit(
        "/transfers/new",
        {
            "to_unit_id": str(unit("TT").id),
            "amount": "2.000.000",
            "sent_on": "01/07/2018",
            "from_method": "cash",
            "to_method": "bank",
        },
    )
    assert sent.status_code == 302
    assert "2.000.000 đ" in client.get("/transfers/").text
