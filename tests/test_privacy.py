"""Children's data: only the child's own treasurer sees the full record without asking; every
other full view is a POST with a reason and an audit event; no answer reveals more."""

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from ledger.models import AuditEvent, Beneficiary
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.campaigns import find_campaign
from ledger.services.disbursements import DisbursementInput, draft_disbursement, pay_disbursement
from tests.conftest import form_tokens

CHILD = "Trần Thị Canarykid"
BORN = date(2012, 4, 9)
GUARDIAN = "Bà Canaryguardian"


@pytest.fixture
def child(session, unit, make_receipt):
    make_receipt(amount=20_000_000, on=date(2018, 1, 5))
    kid = create_beneficiary(
        session,
        unit_id=unit("TT-CHUONGDUONG").id,
        data=BeneficiaryInput(
            full_name=CHILD,
            birth_date=BORN,
            sex="female",
            guardian_name=GUARDIAN,
            groups=("serious_illness_poor",),
        ),
    )
    session.commit()
    return kid


def _events(session, action):
    session.rollback()
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def _full_record_shown(text: str) -> list[str]:
    return [
        s
        for s in (CHILD, "Canarykid", "09/04/2012", GUARDIAN, "Trẻ em mắc bệnh hiểm nghèo")
        if s in text
    ]


@pytest.mark.parametrize(
    "role, code, can_unmask",
    [
        ("reviewer", "TT", False),
        ("reviewer", "TT", True),
        ("reviewer", "HN", False),
        ("auditor", "TT", True),
        ("treasurer", "TT", False),
        ("admin", "TT", True),
    ],
)
def test_only_the_childs_own_treasurer_sees_the_full_record_without_asking(
    client, child, make_user, login, session, role, code, can_unmask
):
    make_user("someone", role, code, can_unmask=can_unmask)
    login("someone")
    page = client.get(f"/beneficiaries/{child.id}")
    assert page.status_code == 200
    assert _full_record_shown(page.text) == []
    assert "T*** T*** C***" in page.text and "2012" in page.text
    assert CHILD not in client.get("/beneficiaries/").text
    assert _events(session, "beneficiary.unmask") == []


def test_the_childs_own_treasurer_sees_it_in_full(client, child, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    page = client.get(f"/beneficiaries/{child.id}").text
    assert CHILD in page and "09/04/2012" in page and GUARDIAN in page


def test_a_reviewer_with_the_permission_unmasks_by_post_with_a_reason(
    client, child, make_user, login, session
):
    make_user("duyet.tt", "reviewer", "TT", can_unmask=True)
    login("duyet.tt")
    page = client.get(f"/beneficiaries/{child.id}")
    assert client.get(f"/beneficiaries/{child.id}/unmask").status_code == 405
    no_reason = client.post(
        f"/beneficiaries/{child.id}/unmask", data={**form_tokens(page.text), "reason": " \u200b "}
    )
    assert _full_record_shown(no_reason.text) == [] and _events(session, "beneficiary.unmask") == []
    shown = client.post(
        f"/beneficiaries/{child.id}/unmask",
        data={**form_tokens(page.text), "reason": "Duyệt hồ sơ phẫu thuật"},
    )
    assert CHILD in shown.text and GUARDIAN in shown.text
    [event] = _events(session, "beneficiary.unmask")
    assert event.object_id == child.id and "Duyệt hồ sơ" in event.after


def _new_child(client, unit_id, name=CHILD, born="09/04/2012"):
    page = client.get("/beneficiaries/new")
    return client.post(
        "/beneficiaries/new",
        data={
            **form_tokens(page.text),
            "full_name": name,
            "birth_date": born,
            "sex": "female",
            "unit_id": str(unit_id),
            "groups": ["other"],
            "consent_by": "Mẹ",
            "consent_on": "01/03/2018",
        },
    )


def _children(session):
    session.rollback()
    return session.exec(select(func.count(Beneficiary.id))).scalar_one()


@pytest.mark.parametrize(
    "role, can_unmask", [("reviewer", False), ("reviewer", True), ("admin", False)]
)
def test_a_masked_user_cannot_confirm_a_guess_with_the_duplicate_warning(
    client, child, make_user, login, session, unit, role, can_unmask
):
    make_user("someone", role, "TT", can_unmask=can_unmask)
    login("someone")
    commune = unit("TT-CHUONGDUONG").id
    right = _new_child(client, commune)  # the right guess
    wrong = _new_child(client, commune, born="10/04/2012")  # a wrong one
    assert right.status_code == wrong.status_code == 302  # both answered alike
    assert _children(session) == 3
    page = client.get(right.headers["Location"]).text
    assert "Có thể trùng" not in page and _full_record_shown(page) == []


def test_the_units_treasurer_is_warned_and_resolves_duplicates(
    client, child, make_user, login, session, unit
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    commune = unit("TT-CHUONGDUONG").id
    warned = _new_child(client, commune, name="tran thi canarykid")
    assert warned.status_code == 200 and "đã có trong danh sách" in warned.text
    assert _children(session) == 1
    make_user("duyet.tt", "reviewer", "TT")
    other = client.application.test_client()
    page = other.get("/auth/login")
    other.post(
        "/auth/login",
        data={
            "username": "duyet.tt",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    added = _new_child(other, commune)
    assert added.status_code == 302 and _children(session) == 2
    second = added.headers["Location"]
    assert f'/beneficiaries/{child.id}"' in client.get(second).text.replace("'", '"')
    assert "Có thể trùng" in client.get(second).text


@pytest.fixture
def campaign(session, child, unit):
    district = unit("TT")
    item = draft_disbursement(
        session,
        unit_id=child.unit_id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            category_id=1,
            payee_name="Mẹ của trẻ",
            beneficiary_id=child.id,
            amount=3_000_000,
            reason="Phẫu thuật tim",
        ),
    )
    item.status = "approved"
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 2))
    session.commit()
    return find_campaign(session, unit_id=district.id, year=2018)


def _names_in(data: bytes) -> bool:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return any(
        "Canarykid" in str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
    )


def test_the_workbook_by_get_is_always_masked_and_writes_nothing(
    client, campaign, make_user, login, session
):
    make_user("kiemtoan", "auditor", "TT", can_unmask=True)
    login("kiemtoan")
    response = client.get(f"/campaigns/{campaign.id}/workbook.xlsx?unmasked=1&as_of=31/12/2018")
    assert response.status_code == 200 and not _names_in(response.data)
    assert _events(session, "workbook.unmasked") == []


def test_the_unmasked_workbook_is_a_post_with_csrf_a_reason_and_an_audit_event(
    client, campaign, make_user, login, session
):
    make_user("kiemtoan", "auditor", "TT", can_unmask=True)
    login("kiemtoan")
    url = f"/campaigns/{campaign.id}/workbook-unmasked.xlsx?as_of=31/12/2018"
    page = client.get(f"/campaigns/{campaign.id}")
    assert f'action="/campaigns/{campaign.id}/workbook-unmasked.xlsx' in page.text
    assert client.post(url, data={"reason": "Kiểm toán"}).status_code == 400
    no_reason = client.post(url, data={**form_tokens(page.text), "reason": ""})
    assert no_reason.status_code == 302 and _events(session, "workbook.unmasked") == []
    response = client.post(url, data={**form_tokens(page.text), "reason": "Kiểm toán năm 2018"})
    assert response.status_code == 200 and _names_in(response.data)
    [event] = _events(session, "workbook.unmasked")
    assert event.object_id == campaign.id and "Kiểm toán năm 2018" in event.after


def test_the_unmasked_workbook_needs_the_permission(client, campaign, make_user, login, session):
    make_user("kiemtoan", "auditor", "TT")
    login("kiemtoan")
    page = client.get(f"/campaigns/{campaign.id}")
    assert "workbook-unmasked" not in page.text
    response = client.post(
        f"/campaigns/{campaign.id}/workbook-unmasked.xlsx",
        data={"csrf_token": form_tokens(page.text).get("csrf_token", ""), "reason": "tò mò"},
    )
    assert response.status_code == 403 and _events(session, "workbook.unmasked") == []
