"""Pledges (cam kết ủng hộ) through the service: settled in part, in full, never beyond; a voided
receipt's settlement stops counting; a cancelled pledge takes no more."""

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from ledger.errors import (
    PledgeCancelled,
    PledgeDueBeforePledged,
    PledgeOverSettled,
    ReceiptNotForPledge,
    ReceiptOutsideCampaign,
    ReceiptOverAllocated,
)
from ledger.models import Receipt
from ledger.services.campaigns import find_campaign
from ledger.services.donors import create_donor
from ledger.services.honour_roll import honour_roll
from ledger.services.locks import lock_period
from ledger.services.pledge_lists import pledge_totals
from ledger.services.pledges import (
    PledgeInput,
    cancel_pledge,
    create_pledge,
    open_receipts,
    record_receipt_for_pledge,
    settle_pledge,
    settled_amount,
    status_of,
)
from ledger.services.receipts import ReceiptInput, correct_receipt, void_receipt
from ledger.services.units import find_unit

TODAY = date(2018, 7, 15)


@pytest.fixture
def fund(unit):
    return unit("TT-CHUONGDUONG")


@pytest.fixture
def school(session, fund):
    return create_donor(
        session, unit_id=fund.id, name="Trường Tiểu học Chương Dương", kind="school"
    )


@pytest.fixture
def pledge(session, fund, school):
    return create_pledge(
        session,
        unit_id=fund.id,
        data=PledgeInput(
            donor_id=school.id,
            amount=2_000_000,
            pledged_on=date(2018, 5, 20),
            due_on=date(2018, 6, 30),
        ),
    )


def _receipt(make_receipt, school, amount, on=date(2018, 6, 10)):
    return make_receipt(amount=amount, on=on, donor_id=school.id, payer_name=school.name)


def test_partial_then_full_settlement(session, pledge, school, make_receipt):
    first = _receipt(make_receipt, school, 500_000)
    settle_pledge(session, pledge_id=pledge.id, receipt_id=first.id)
    assert settled_amount(session, pledge.id) == 500_000
    assert status_of(pledge, 500_000, TODAY) == "overdue"
    assert status_of(pledge, 500_000, date(2018, 6, 1)) == "open"
    second = _receipt(make_receipt, school, 3_000_000)
    made = settle_pledge(session, pledge_id=pledge.id, receipt_id=second.id)
    assert made.amount == 1_500_000  # only what was outstanding; the rest is a plain gift
    assert settled_amount(session, pledge.id) == 2_000_000
    assert status_of(pledge, 2_000_000, TODAY) == "settled"


def test_settling_beyond_the_pledge_is_refused(session, pledge, school, make_receipt):
    receipt = _receipt(make_receipt, school, 3_000_000)
    with pytest.raises(PledgeOverSettled):
        settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id, amount=2_500_000)
    settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id, amount=2_000_000)
    with pytest.raises(PledgeOverSettled):
        settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id, amount=1)


def test_a_receipt_settles_pledges_only_up_to_its_amount(
    session, fund, school, pledge, make_receipt
):
    other = create_pledge(
        session,
        unit_id=fund.id,
        data=PledgeInput(school.id, 1_000_000, date(2018, 5, 1), date(2018, 9, 1)),
    )
    receipt = _receipt(make_receipt, school, 2_500_000)
    settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)
    with pytest.raises(ReceiptOverAllocated):
        settle_pledge(session, pledge_id=other.id, receipt_id=receipt.id, amount=600_000)
    made = settle_pledge(session, pledge_id=other.id, receipt_id=receipt.id)
    assert made.amount == 500_000


def test_a_voided_receipt_stops_counting(session, pledge, school, make_receipt):
    receipt = _receipt(make_receipt, school, 2_000_000)
    settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)
    void_receipt(session, receipt_id=receipt.id, reason="Ghi nhầm", on=date(2018, 6, 11))
    assert settled_amount(session, pledge.id) == 0
    assert status_of(pledge, 0, TODAY) == "overdue"
    with pytest.raises(ReceiptNotForPledge):
        settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)


def test_a_receipt_corrected_in_a_locked_period_stops_counting(session, fund, school, make_receipt):
    """A receipt of a locked period is not voided but corrected (a reversing entry in the open
    period, ``voided_at`` left empty): it no longer settles, is no longer offered, and what it
    settled no longer counts."""
    early = create_pledge(
        session,
        unit_id=fund.id,
        data=PledgeInput(school.id, 3_000_000, date(2018, 2, 20), date(2018, 12, 31)),
    )
    receipt = _receipt(make_receipt, school, 2_000_000, on=date(2018, 3, 1))
    other = _receipt(make_receipt, school, 2_000_000, on=date(2018, 3, 2))
    settle_pledge(session, pledge_id=early.id, receipt_id=receipt.id, amount=1_000_000)
    lock_period(session, unit_id=fund.id, through=date(2018, 3, 31), user_id=None)
    correct_receipt(session, receipt_id=receipt.id, reason="Ghi nhầm", on=date(2018, 4, 2))
    assert receipt.voided_at is None
    assert settled_amount(session, early.id) == 0
    assert [r.id for r, _left in open_receipts(session, early)] == [other.id]
    with pytest.raises(ReceiptNotForPledge):
        settle_pledge(session, pledge_id=early.id, receipt_id=receipt.id)
    assert pledge_totals(session, unit_ids=[fund.id], today=TODAY).settled == 0
    school.public_consent = True  # the honour roll names only donors who agreed
    session.flush()
    roll = honour_roll(session, unit_id=fund.id, year=2018)
    assert [(d.amount, d.gifts) for d in roll if d.name == school.name] == [(2_000_000, 1)]


def test_another_donors_receipt_is_refused(session, pledge, make_receipt):
    receipt = make_receipt(amount=2_000_000, on=date(2018, 6, 10))
    with pytest.raises(ReceiptNotForPledge):
        settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)


def test_a_cancelled_pledge_takes_no_more_and_leaves_the_totals(
    session, fund, pledge, school, make_receipt
):
    receipt = _receipt(make_receipt, school, 500_000)
    settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)
    cancel_pledge(session, pledge_id=pledge.id, reason="Nhà trường xin rút phần còn lại")
    assert status_of(pledge, 500_000, TODAY) == "cancelled"
    again = _receipt(make_receipt, school, 500_000)
    with pytest.raises(PledgeCancelled):
        settle_pledge(session, pledge_id=pledge.id, receipt_id=again.id)
    assert pledge_totals(session, unit_ids=[fund.id], today=TODAY).pledged == 0


def test_due_before_pledged_is_refused(session, fund, school):
    with pytest.raises(PledgeDueBeforePledged):
        create_pledge(
            session,
            unit_id=fund.id,
            data=PledgeInput(school.id, 1_000_000, date(2018, 5, 20), date(2018, 5, 1)),
        )


def test_totals_keep_pledged_apart_from_settled(session, fund, pledge, school, make_receipt):
    receipt = _receipt(make_receipt, school, 800_000)
    settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)
    totals = pledge_totals(session, unit_ids=[fund.id], today=TODAY)
    assert (totals.count, totals.pledged, totals.settled) == (1, 2_000_000, 800_000)
    assert totals.outstanding == totals.overdue == 1_200_000
    before = pledge_totals(session, unit_ids=[fund.id], today=TODAY, through=date(2018, 6, 1))
    assert (before.pledged, before.settled) == (2_000_000, 0)


def test_a_receipt_outside_the_pledges_campaign_does_not_settle_it(
    session, fund, school, make_receipt
):
    """The workbook counts a campaign's settlements from receipts dated in the campaign only:
    a receipt dated before it starts or after it ends is refused, naming both dates."""
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    assert (campaign.starts_on, campaign.ends_on) == (date(2018, 1, 1), date(2018, 12, 31))
    pledge = create_pledge(
        session,
        unit_id=fund.id,
        data=PledgeInput(
            school.id, 2_000_000, date(2018, 5, 1), date(2018, 9, 1), campaign_id=campaign.id
        ),
    )
    for day in (date(2017, 12, 20), date(2019, 1, 2)):
        receipt = _receipt(make_receipt, school, 1_000_000, on=day)
        with pytest.raises(ReceiptOutsideCampaign) as refused:
            settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)
        text = str(refused.value)
        assert f"{receipt.number}/{receipt.year}" in text
        assert "01/01/2018" in text and "31/12/2018" in text and campaign.name in text
    count = session.exec(select(func.count()).select_from(Receipt)).one()
    late = ReceiptInput(receipt_date=date(2019, 1, 2), amount=500_000, payer_name=school.name)
    with pytest.raises(ReceiptOutsideCampaign):
        record_receipt_for_pledge(session, pledge_id=pledge.id, data=late)
    assert session.exec(select(func.count()).select_from(Receipt)).one() == count
    inside = _receipt(make_receipt, school, 1_000_000, on=date(2018, 12, 31))
    settle_pledge(session, pledge_id=pledge.id, receipt_id=inside.id)
    assert settled_amount(session, pledge.id) == 1_000_000
