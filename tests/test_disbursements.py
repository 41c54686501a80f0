"""Disbursements (Phiếu chi): approval by role and level, no overdraft (also under concurrency),
the workflow through the web, management costs."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from ledger.engine import get_engine, new_session
from ledger.errors import (
    InsufficientFunds,
    InvalidTransition,
    NotAllowedToApprove,
)
from ledger.models import Category, Disbursement, Setting
from ledger.services.check import check_books
from ledger.services.costs import management_costs
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
    reject_disbursement,
    void_disbursement,
)
from ledger.services.journal import balance
from ledger.services.units import find_unit
from tests.conftest import form_tokens
from tests.test_beneficiaries import child  # noqa: F401  (fixture)


def category(session, code):
    return session.exec(select(Category).where(Category.code == code)).scalars().one()


def draft(session, funded, amount=3_000_000, **fields):
    return draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        user_id=funded["treasurer"].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            payee_name="Trần Thị Mẹ",
            category_id=category(session, "heart_surgery").id,
            amount=amount,
            **fields,
        ),
    )


def approve(session, item, user, **kw):
    return approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=user.id,
        role=user.role,
        user_unit_id=user.unit_id,
        **kw,
    )


def test_draft_approve_pay_posts_and_lowers_the_balance(session, funded):
    item = draft(session, funded)
    assert balance(session, unit_id=funded["fund"].id) == 10_000_000
    approve(session, item, funded["reviewer"], comment="Đồng ý")
    pay_disbursement(
        session, disbursement_id=item.id, on=date(2018, 6, 2), user_id=funded["treasurer"].id
    )
    assert item.status == "paid" and item.number == 1
    assert balance(session, unit_id=funded["fund"].id) == 7_000_000
    void_disbursement(
        session, disbursement_id=item.id, reason="Gia đình trả lại", on=date(2018, 6, 5)
    )
    assert item.status == "voided" and item.number == 1
    assert balance(session, unit_id=funded["fund"].id) == 10_000_000
    assert check_books(session) == []


@pytest.mark.parametrize("who", ["treasurer", "local_reviewer", "other_reviewer"])
def test_who_may_not_approve(session, funded, who):
    item = draft(session, funded)
    with pytest.raises(NotAllowedToApprove):
        approve(session, item, funded[who])


def test_same_level_approval_up_to_the_configured_amount(session, funded):
    small = draft(session, funded, amount=500_000)
    approve(session, small, funded["local_reviewer"], same_level_max=1_000_000)
    large = draft(session, funded, amount=2_000_000)
    with pytest.raises(NotAllowedToApprove):
        approve(session, large, funded["local_reviewer"], same_level_max=1_000_000)


def test_drafter_cannot_approve_own_draft(session, funded):
    item = draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        user_id=funded["reviewer"].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            payee_name="X",
            category_id=category(session, "scholarship").id,
            amount=100_000,
        ),
    )
    with pytest.raises(NotAllowedToApprove):
        approve(session, item, funded["reviewer"])


def test_reject_needs_a_comment_and_ends_the_workflow(session, funded):
    item = draft(session, funded)
    reject_disbursement(
        session,
        disbursement_id=item.id,
        user_id=funded["reviewer"].id,
        role="reviewer",
        user_unit_id=funded["reviewer"].unit_id,
        comment="Thiếu hồ sơ bệnh viện",
    )
    with pytest.raises(InvalidTransition):
        pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 2))


def test_group_gift_amount_is_count_times_each(session, funded):
    item = draft(session, funded, amount=None, children_count=40, amount_each=150_000)
    assert item.amount == 6_000_000


def test_cannot_approve_more_than_the_fund_holds(session, funded):
    first = draft(session, funded, amount=6_000_000)
    second = draft(session, funded, amount=6_000_000)
    approve(session, first, funded["reviewer"])
    with pytest.raises(InsufficientFunds):
        approve(session, second, funded["reviewer"])


def test_concurrent_approvals_never_overdraw(session, funded, db_url):
    """Balance 10.000.000, 8 concurrent approve+pay of 3.000.000: at most 3 are paid."""
    ids = [draft(session, funded).id for _ in range(8)]
    session.commit()
    reviewer = funded["reviewer"]
    outcomes = []

    def approve_and_pay(item_id):
        s = new_session(get_engine(db_url), write=True)
        try:
            approve_disbursement(
                s,
                disbursement_id=item_id,
                user_id=reviewer.id,
                role="reviewer",
                user_unit_id=reviewer.unit_id,
            )
            pay_disbursement(s, disbursement_id=item_id, on=date(2018, 6, 2))
            s.commit()
            outcomes.append("paid")
        except InsufficientFunds:
            s.rollback()
            outcomes.append("refused")
        finally:
            s.close()

    threads = [threading.Thread(target=approve_and_pay, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.rollback()
    paid = session.exec(select(Disbursement).where(Disbursement.status == "paid")).scalars().all()
    print(
        f"double spend: 8 concurrent approvals of 3.000.000 on 10.000.000: "
        f"{len(paid)} paid, {outcomes.count('refused')} refused"
    )
    assert len(outcomes) == 8 and outcomes.count("paid") == len(paid) == 3
    assert balance(session, unit_id=funded["fund"].id) == 1_000_000
    assert sorted(d.number for d in paid) == [1, 2, 3]
    assert check_books(session) == []


def test_management_cost_share_and_cap(session, funded):
    item = draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        user_id=funded["treasurer"].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            payee_name="In ấn",
            category_id=category(session, "mgmt_outreach").id,
            amount=1_200_000,
        ),
    )
    approve(session, item, funded["reviewer"])
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 2))
    costs = management_costs(session, unit_id=find_unit(session, "TT").id, year=2018)
    assert (costs.spent, costs.revenue, costs.share) == (1_200_000, 10_000_000, 12.0)
    assert costs.over_cap


def test_workflow_draft_approve_pay_through_the_web(
    app, client, child, make_user, login, submit, session, unit
):
    # the code a payout above the limit needs is tested in tests/test_second_factor.py
    session.add(Setting(key="second_factor_above", value="100000000"))
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
    # the account that is short is named, with what the other one holds
    assert (
        "Tiền mặt của quỹ Xã Chương Dương chỉ còn 20.000.000 đ, cần chi 25.000.000 đ; "
        "tiền gửi ngân hàng còn 0 đ có thể chi." in response.text
    )
    assert "Cả tiền mặt và tiền gửi ngân hàng đều không đủ" in response.text


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
