"""Corrections through the web: "Sửa" voids and re-issues (both numbers kept); a drafter edits
or withdraws a stuck draft, which stays in the history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ledger.models import AuditEvent, Disbursement, Entry, Receipt
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
)
from ledger.services.journal import balance
from tests.conftest import form_tokens


@pytest.fixture
def commune(unit):
    return unit("TT-CHUONGDUONG")


@pytest.fixture
def treasurer(make_user, login, commune):
    user = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    return user


def _form_of(page_text: str) -> dict[str, str]:
    import re
    from html import unescape

    values = {
        n: unescape(v)
        for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page_text)
    }
    for name, body in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page_text, re.DOTALL
    ):
        chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', body) or re.search(
            r'<option[^>]*value="([^"]*)"', body
        )
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_sua_a_receipt_voids_it_and_records_the_next_number(
    client, treasurer, commune, make_receipt, session
):
    old = make_receipt(amount=1_000_000, payer_name="Nguyễn Văn Sai")
    session.commit()
    page = client.get(f"/receipts/{old.id}")
    assert f"/receipts/{old.id}/reissue" in page.text  # the "Sửa" button
    form = client.get(f"/receipts/{old.id}/reissue")
    assert 'value="Nguyễn Văn Sai"' in form.text and 'value="1.000.000"' in form.text
    values = _form_of(form.text)
    refused = client.post(
        f"/receipts/{old.id}/reissue",
        data={**values, "amount": "1.200.000", "correction_reason": ""},
    )
    assert refused.status_code == 200 and 'value="1.200.000"' in refused.text
    response = client.post(
        f"/receipts/{old.id}/reissue",
        data={
            **values,
            "amount": "1.200.000",
            "payer_name": "Nguyễn Văn Đúng",
            "new_donor": "y",  # a new donor, not one picked from the list
            "correction_reason": "Ghi nhầm số tiền",
        },
    )
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    rows = session.exec(select(Receipt).order_by(Receipt.id)).scalars().all()
    assert len(rows) == 2
    first, second = rows
    assert first.voided_at is not None and first.void_reason == "Sửa: Ghi nhầm số tiền"
    assert second.number == first.number + 1 and second.amount == 1_200_000
    assert second.payer_name == "Nguyễn Văn Đúng"
    assert balance(session, unit_id=commune.id) == 1_200_000
    actions = (
        session.exec(select(AuditEvent.action).where(AuditEvent.action.like("receipt.%")))
        .scalars()
        .all()
    )
    assert actions.count("receipt.void") == 1
    assert "ĐÃ HỦY" in client.get(f"/receipts/{first.id}").text


def test_sua_in_a_locked_period_keeps_the_form(client, treasurer, commune, make_receipt, session):
    from ledger.services.locks import lock_period

    old = make_receipt(amount=1_000_000, on=date(2018, 3, 1))
    lock_period(session, unit_id=commune.id, through=date(2018, 3, 31), user_id=None)
    session.commit()
    values = _form_of(client.get(f"/receipts/{old.id}/reissue").text)
    response = client.post(
        f"/receipts/{old.id}/reissue",
        data={**values, "amount": "1.300.000", "correction_reason": "Sai số"},
    )
    assert response.status_code == 400
    assert "đã khóa" in response.text and 'value="1.300.000"' in response.text
    session.rollback()
    session.expire_all()
    assert session.get(Receipt, old.id).voided_at is None
    # dated in the open period, the new one goes through; the old one stays in its filed
    # period and a correction on the new one's date, in the open period, names it
    fixed = client.post(
        f"/receipts/{old.id}/reissue",
        data={
            **values,
            **form_tokens(response.text),
            "receipt_date": "01/04/2018",
            "amount": "1.300.000",
            "correction_reason": "Sai số",
        },
    )
    assert fixed.status_code == 302
    session.rollback()
    session.expire_all()
    kept = session.get(Receipt, old.id)
    assert kept.voided_at is None
    correction = (
        session.exec(select(Entry).where(Entry.reverses_id == kept.entry_id)).scalars().one()
    )
    assert correction.entry_date == date(2018, 4, 1) and correction.kind == "receipt_correction"
    assert balance(session, unit_id=commune.id) == 1_300_000


def _stuck_cash_gift(session, commune, treasurer):
    """A cash group gift larger than the cash on hand: approval is refused."""
    return draft_disbursement(
        session,
        unit_id=commune.id,
        user_id=treasurer.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            category_id=1,
            payee_name="Trường Tiểu học",
            children_count=10,
            amount_each=300_000,
            reason="Quà 1/6",
            method="cash",
        ),
    )


def test_a_stuck_draft_is_switched_to_bank_by_its_drafter(
    client, treasurer, commune, make_receipt, session, make_user
):
    make_receipt(amount=1_000_000, method="cash")
    make_receipt(amount=5_000_000, method="bank")
    item = _stuck_cash_gift(session, commune, treasurer)
    session.commit()
    reviewer = make_user("duyet.tt", "reviewer", "TT")
    from ledger.errors import InsufficientFunds

    with pytest.raises(InsufficientFunds):
        approve_disbursement(
            session,
            disbursement_id=item.id,
            user_id=reviewer.id,
            role="reviewer",
            user_unit_id=reviewer.unit_id,
        )
    session.rollback()
    session.expire_all()
    page = client.get(f"/disbursements/{item.id}")
    assert f"/disbursements/{item.id}/edit" in page.text
    form = client.get(f"/disbursements/{item.id}/edit")
    assert 'value="Trường Tiểu học"' in form.text and 'value="300.000"' in form.text
    values = _form_of(form.text)
    response = client.post(f"/disbursements/{item.id}/edit", data={**values, "method": "bank"})
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    edited = session.get(Disbursement, item.id)
    assert edited.method == "bank" and edited.status == "draft" and edited.amount == 3_000_000
    approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=reviewer.id,
        role="reviewer",
        user_unit_id=reviewer.unit_id,
    )


def test_a_draft_is_withdrawn_and_stays_in_the_history(client, treasurer, commune, session):
    item = _stuck_cash_gift(session, commune, treasurer)
    session.commit()
    page = client.get(f"/disbursements/{item.id}")
    response = client.post(
        f"/disbursements/{item.id}/withdraw",
        data={**form_tokens(page.text.split("withdraw")[1]), "comment": "Chuyển sang năm sau"},
    )
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(Disbursement, item.id).status == "withdrawn"
    listed = client.get("/disbursements/?status=withdrawn")
    assert "Trường Tiểu học" in listed.text and "Đã rút" in listed.text


def test_only_the_drafter_edits_or_withdraws(client, commune, make_user, login, session):
    drafter = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    item = _stuck_cash_gift(session, commune, drafter)
    session.commit()
    make_user("thuquy.b", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.b")
    assert client.get(f"/disbursements/{item.id}/edit").status_code == 403
    page = client.get(f"/disbursements/{item.id}")
    assert "/withdraw" not in page.text
    client.post(f"/disbursements/{item.id}/withdraw", data=form_tokens(page.text))
    session.rollback()
    session.expire_all()
    assert session.get(Disbursement, item.id).status == "draft"


@pytest.mark.parametrize("amount, paid_at_once", [("200.000", True), ("250.000", False)])
def test_sua_a_paid_disbursement(
    client, treasurer, commune, make_receipt, session, make_user, amount, paid_at_once
):
    make_receipt(amount=1_000_000, method="cash")
    reviewer = make_user("duyet.tt", "reviewer", "TT")
    item = draft_disbursement(
        session,
        unit_id=commune.id,
        user_id=treasurer.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            category_id=1,
            payee_name="Ông Sai Tên",
            amount=200_000,
            reason="Hỗ trợ",
        ),
    )
    approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=reviewer.id,
        role="reviewer",
        user_unit_id=reviewer.unit_id,
    )
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 2))
    session.commit()
    assert f"/disbursements/{item.id}/reissue" in client.get(f"/disbursements/{item.id}").text
    values = _form_of(client.get(f"/disbursements/{item.id}/reissue").text)
    assert values["payee_name"] == "Ông Sai Tên" and values["amount"] == "200.000"
    response = client.post(
        f"/disbursements/{item.id}/reissue",
        data={
            **values,
            "payee_name": "Ông Đúng Tên",
            "amount": amount,
            "correction_reason": "Sai tên người nhận",
        },
    )
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    old, new = session.exec(select(Disbursement).order_by(Disbursement.id)).scalars().all()
    assert old.status == "voided" and old.void_reason == "Sửa: Sai tên người nhận"
    assert old.number == 1 and new.payee_name == "Ông Đúng Tên"
    if paid_at_once:
        assert new.status == "paid" and new.number == 2
        assert balance(session, unit_id=commune.id, kinds=("cash",)) == 800_000
    else:
        assert new.status == "draft" and new.number is None
        assert balance(session, unit_id=commune.id, kinds=("cash",)) == 1_000_000
