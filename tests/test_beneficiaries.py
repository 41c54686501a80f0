"""Beneficiaries (the children): names masked in every view but the own treasurer's, unmasking
needs the permission and is audited, a duplicate child is refused."""

from datetime import date

import pytest
from sqlalchemy import select

from ledger.models import AuditEvent
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary, mask_name
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
    "name, masked", [("Nguyễn Văn A", "N*** V*** A"), ("Trần Thị Bích Ngọc", "T*** T*** B*** N***")]
)
def test_masking(name, masked):
    assert mask_name(name) == masked


def test_duplicate_child_is_refused(session, funded):
    from ledger.errors import DuplicateBeneficiary

    data = BeneficiaryInput(
        full_name="Lê Văn Nam",
        birth_date=date(2012, 3, 4),
        sex="male",
        groups=("serious_illness_poor", "poor_household"),
    )
    create_beneficiary(session, unit_id=funded["fund"].id, data=data)
    with pytest.raises(DuplicateBeneficiary):
        create_beneficiary(
            session,
            unit_id=funded["fund"].id,
            data=BeneficiaryInput(full_name="le van nam", birth_date=date(2012, 3, 4), sex="male"),
        )


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
