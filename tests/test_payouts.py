"""Paying out: approval by role, no overdraft (also under concurrency), transfers in transit."""

import threading
from datetime import date

import pytest
from sqlalchemy import select

from ledger.engine import get_engine, new_session
from ledger.errors import (
    DifferenceNeedsReason,
    InsufficientFunds,
    InvalidTransition,
    NotAllowedToApprove,
)
from ledger.models import Category, Disbursement
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary, mask_name
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
from ledger.services.transfers import receive_transfer, send_transfer
from ledger.services.units import find_unit


def category(session, code):
    return session.exec(select(Category).where(Category.code == code)).scalars().one()


@pytest.fixture
def funded(session, make_receipt, make_user):
    """Chương Dương holds 10.000.000 đ cash; users: its treasurer, district and commune reviewers."""
    make_receipt(amount=10_000_000, on=date(2018, 1, 5))
    session.commit()
    return {
        "fund": find_unit(session, "TT-CHUONGDUONG"),
        "treasurer": make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG"),
        "reviewer": make_user("duyet.tt", "reviewer", "TT"),
        "local_reviewer": make_user("duyet.cd", "reviewer", "TT-CHUONGDUONG"),
        "other_reviewer": make_user("duyet.px", "reviewer", "TT-DUNGTIEN"),
    }


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


def test_transfer_in_transit_until_received(session, funded):
    commune, district = funded["fund"], find_unit(session, "TT")
    transfer = send_transfer(
        session,
        from_unit_id=commune.id,
        to_unit_id=district.id,
        amount=4_000_000,
        on=date(2018, 7, 1),
        from_method="cash",
        to_method="bank",
    )
    assert balance(session, unit_id=commune.id) == 6_000_000
    assert balance(session, unit_id=commune.id, kinds=("in_transit",)) == 4_000_000
    assert balance(session, unit_id=district.id) == 0
    assert check_books(session) == []
    with pytest.raises(DifferenceNeedsReason):
        receive_transfer(session, transfer_id=transfer.id, amount=3_990_000, on=date(2018, 7, 3))
    receive_transfer(
        session,
        transfer_id=transfer.id,
        amount=3_990_000,
        on=date(2018, 7, 3),
        reason="Phí chuyển khoản 10.000 đ",
    )
    assert balance(session, unit_id=commune.id, kinds=("in_transit",)) == 0
    assert balance(session, unit_id=district.id, kinds=("bank",)) == 3_990_000
    assert check_books(session) == []


def test_transfers_do_not_count_as_collected_or_spent(session, funded):
    from ledger.services.campaigns import find_campaign
    from ledger.services.progress import campaign_progress

    district = find_unit(session, "TT")
    campaign = find_campaign(session, unit_id=district.id, year=2018)
    before = campaign_progress(session, campaign_id=campaign.id)
    transfer = send_transfer(
        session,
        from_unit_id=funded["fund"].id,
        to_unit_id=district.id,
        amount=4_000_000,
        on=date(2018, 7, 1),
        from_method="cash",
    )
    receive_transfer(session, transfer_id=transfer.id, amount=4_000_000, on=date(2018, 7, 1))
    after = campaign_progress(session, campaign_id=campaign.id)
    assert (after.collected, after.disbursed, after.balance) == (
        before.collected,
        before.disbursed,
        before.balance,
    )


def test_cannot_send_more_than_the_balance(session, funded):
    with pytest.raises(InsufficientFunds):
        send_transfer(
            session,
            from_unit_id=funded["fund"].id,
            to_unit_id=find_unit(session, "TT").id,
            amount=10_000_001,
            on=date(2018, 7, 1),
            from_method="cash",
        )


def test_cash_to_bank_inside_one_fund(session, funded):
    fund = funded["fund"].id
    send_transfer(
        session,
        from_unit_id=fund,
        to_unit_id=fund,
        amount=2_500_000,
        on=date(2018, 7, 1),
        from_method="cash",
        to_method="bank",
    )
    assert balance(session, unit_id=fund, kinds=("cash",)) == 7_500_000
    assert balance(session, unit_id=fund, kinds=("bank",)) == 2_500_000


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
