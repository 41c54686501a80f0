"""Money is conserved by construction: no asset below zero on any day (the database refuses it),
a transfer is received for at most what was sent, every date is checked, voids follow practice.

Each test replays a finding of turn 2's adversary on the first version.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from ledger.engine import get_engine
from ledger.errors import (
    BalanceWouldGoNegative,
    CorrectionNotNeeded,
    DateBeforeOriginal,
    DateNotPlausible,
    DifferenceNeedsReviewer,
    OutsideCampaign,
    ReceivedMoreThanSent,
    UnitNotValid,
    VoidInLockedPeriod,
    VoidWouldOverdraw,
)
from ledger.models import Account, Category, Entry
from ledger.services.books import read_book
from ledger.services.campaigns import create_campaign, find_campaign
from ledger.services.check import check_books
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
    void_disbursement,
)
from ledger.services.journal import Line, balance, balance_from_postings, post_entry
from ledger.services.locks import lock_period
from ledger.services.progress import campaign_progress
from ledger.services.receipts import ReceiptFilter, correct_receipt, list_receipts, void_receipt
from ledger.services.reconciliation import build_reconciliation
from ledger.services.settings import update_settings
from ledger.services.transfers import receive_transfer, send_transfer
from tests.conftest import form_tokens


def _kind_balance(session, unit_id, kind):
    return (
        session.exec(
            select(Account.balance).where(Account.unit_id == unit_id, Account.kind == kind)
        ).scalar_one_or_none()
        or 0
    )


def _payout(
    session,
    unit_id,
    amount,
    *,
    drafted=date(2018, 6, 1),
    paid=date(2018, 6, 2),
    reviewer=None,
    method="cash",
):
    """Draft, approve (by the district reviewer) and pay; returns the disbursement."""
    category = (
        session.exec(select(Category).where(Category.code == "heart_surgery")).scalars().one()
    )
    item = draft_disbursement(
        session,
        unit_id=unit_id,
        data=DisbursementInput(
            disbursement_date=drafted,
            category_id=category.id,
            payee_name="Trần Thị Mẹ",
            amount=amount,
            method=method,
        ),
    )
    approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=reviewer.id,
        role=reviewer.role,
        user_unit_id=reviewer.unit_id,
        same_level_max=10**12,
    )
    if paid is not None:
        pay_disbursement(session, disbursement_id=item.id, on=paid)
    return item


@pytest.fixture
def reviewer(make_user):
    return make_user("duyet.tt", "reviewer", "TT")


# 1. Money out of nothing -------------------------------------------------------------------


def test_receiver_cannot_confirm_more_than_was_sent(
    client, session, make_receipt, make_user, login, unit
):
    make_receipt(unit_code="TT-DUNGTIEN", amount=1_000_000, on=date(2018, 6, 1))
    sent = send_transfer(
        session,
        from_unit_id=unit("TT-DUNGTIEN").id,
        to_unit_id=unit("TT").id,
        amount=300_000,
        on=date(2018, 6, 5),
        from_method="cash",
    )
    session.commit()
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    url = f"/transfers/{sent.id}/receive"
    response = client.post(
        url,
        data={
            **form_tokens(client.get(url).text),
            "amount": "1.000.000.000.000",
            "received_on": "05/06/2018",
            "reason": "bất kỳ",
        },
    )
    assert response.status_code == 400
    assert "lớn hơn số tiền đã chuyển" in response.text
    session.rollback()
    assert balance(session, unit_id=unit("TT").id) == 0
    assert check_books(session) == []
    with pytest.raises(ReceivedMoreThanSent):
        receive_transfer(
            session, transfer_id=sent.id, amount=300_001, on=date(2018, 6, 5), reason="x"
        )


def test_a_shortfall_posts_to_the_difference_account_and_transfers_still_match(
    session, make_receipt, unit
):
    commune, district = unit("TT-DUNGTIEN").id, unit("TT").id
    make_receipt(unit_code="TT-DUNGTIEN", amount=1_000_000, on=date(2018, 6, 1))
    sent = send_transfer(
        session,
        from_unit_id=commune,
        to_unit_id=district,
        amount=300_000,
        on=date(2018, 6, 5),
        from_method="cash",
    )
    with pytest.raises(DateBeforeOriginal):
        receive_transfer(
            session, transfer_id=sent.id, amount=300_000, on=date(2018, 6, 4), reason="x"
        )
    receive_transfer(
        session,
        transfer_id=sent.id,
        amount=290_000,
        on=date(2018, 6, 7),
        reason="Phí chuyển khoản 10.000 đ",
    )
    assert _kind_balance(session, district, "bank") == 290_000
    assert _kind_balance(session, district, "transfer_difference") == 10_000
    assert _kind_balance(session, district, "transfer_in") == -300_000
    assert _kind_balance(session, commune, "transfer_out") == 300_000
    assert _kind_balance(session, commune, "in_transit") == 0
    assert (
        session.exec(
            select(Account.type).where(
                Account.unit_id == district, Account.kind == "transfer_difference"
            )
        ).scalar_one()
        == "expense"
    )
    assert check_books(session) == []
    campaign = find_campaign(session, unit_id=district, year=2018)
    data = build_reconciliation(session, campaign_id=campaign.id)
    assert [c.name for c in data.checks if not c.ok] == []


def test_a_large_shortfall_needs_a_reviewer_above(session, make_receipt, make_user, unit):
    commune, district = unit("TT-DUNGTIEN").id, unit("TT").id
    treasurer = make_user("thuquy.tt", "treasurer", "TT")
    own_reviewer = make_user("duyet.tt", "reviewer", "TT")
    city_reviewer = make_user("duyet.hn", "reviewer", "HN")
    make_receipt(unit_code="TT-DUNGTIEN", amount=1_000_000, on=date(2018, 6, 1))
    sent = send_transfer(
        session,
        from_unit_id=commune,
        to_unit_id=district,
        amount=300_000,
        on=date(2018, 6, 5),
        from_method="cash",
    )
    for user in (treasurer, own_reviewer):
        with pytest.raises(DifferenceNeedsReviewer, match="cấp trên"):
            receive_transfer(
                session,
                transfer_id=sent.id,
                amount=200_000,
                on=date(2018, 6, 5),
                reason="đếm thiếu",
                user_id=user.id,
                role=user.role,
                user_unit_id=user.unit_id,
            )
    receive_transfer(
        session,
        transfer_id=sent.id,
        amount=200_000,
        on=date(2018, 6, 5),
        reason="đếm thiếu",
        user_id=city_reviewer.id,
        role="reviewer",
        user_unit_id=city_reviewer.unit_id,
    )
    assert _kind_balance(session, district, "transfer_difference") == 100_000


def test_the_shortfall_limit_is_a_setting(session, make_receipt, unit):
    update_settings(session, values={"transfer_difference_max": "0"})
    make_receipt(unit_code="TT-DUNGTIEN", amount=1_000_000, on=date(2018, 6, 1))
    sent = send_transfer(
        session,
        from_unit_id=unit("TT-DUNGTIEN").id,
        to_unit_id=unit("TT").id,
        amount=300_000,
        on=date(2018, 6, 5),
        from_method="cash",
    )
    with pytest.raises(DifferenceNeedsReviewer):
        receive_transfer(
            session, transfer_id=sent.id, amount=299_999, on=date(2018, 6, 5), reason="phí"
        )


# 2. Negative funds -------------------------------------------------------------------------


def test_a_void_that_would_overdraw_is_refused_with_what_to_do(
    session, make_receipt, reviewer, unit
):
    fund = unit("TT-CHUONGDUONG").id
    receipt = make_receipt(amount=7_000_000, on=date(2018, 3, 1))
    payout = _payout(
        session, fund, 7_000_000, drafted=date(2018, 3, 5), paid=date(2018, 3, 5), reviewer=reviewer
    )
    with pytest.raises(VoidWouldOverdraw, match="Hãy hủy phiếu chi"):
        void_receipt(session, receipt_id=receipt.id, reason="ghi nhầm", on=date(2018, 3, 6))
    assert balance(session, unit_id=fund) == 0
    void_disbursement(session, disbursement_id=payout.id, reason="trả lại", on=date(2018, 3, 6))
    void_receipt(session, receipt_id=receipt.id, reason="ghi nhầm", on=date(2018, 3, 6))
    assert balance(session, unit_id=fund) == 0
    assert check_books(session) == []


def test_a_void_is_refused_when_a_later_day_would_close_below_zero(
    session, make_receipt, reviewer, unit
):
    """Today's balance covers the void, but the payout of 05/03 was funded by this receipt."""
    fund = unit("TT-CHUONGDUONG").id
    receipt = make_receipt(amount=7_000_000, on=date(2018, 3, 1))
    _payout(
        session, fund, 7_000_000, drafted=date(2018, 3, 5), paid=date(2018, 3, 5), reviewer=reviewer
    )
    make_receipt(amount=9_000_000, on=date(2018, 4, 1))
    with pytest.raises(VoidWouldOverdraw, match="05/03/2018"):
        void_receipt(session, receipt_id=receipt.id, reason="ghi nhầm", on=date(2018, 4, 2))


def test_the_database_refuses_a_negative_asset_balance(session, make_receipt, db_url, unit):
    make_receipt(amount=1_000, on=date(2018, 3, 1))
    session.commit()
    fund = unit("TT-CHUONGDUONG").id
    with pytest.raises(IntegrityError), get_engine(db_url).begin() as conn:
        conn.execute(
            text(f"UPDATE account SET balance = -1 WHERE unit_id = {fund} AND kind = 'cash'")
        )
    with get_engine(db_url).begin() as conn:  # income and clearing accounts may be negative
        conn.execute(
            text(
                f"UPDATE account SET balance = balance WHERE unit_id = {fund} "
                "AND kind = 'donations'"
            )
        )
    session.rollback()
    assert _kind_balance(session, fund, "cash") == 1_000


def test_the_database_constraint_reaches_the_user_as_the_rule(
    session, make_receipt, unit, monkeypatch
):
    """With the service's own check switched off, the CHECK still refuses, as the rule."""
    monkeypatch.setattr("ledger.services.journal.ensure_covered", lambda *a: None)
    make_receipt(amount=1_000, on=date(2018, 3, 1))
    fund = unit("TT-CHUONGDUONG").id
    with pytest.raises(BalanceWouldGoNegative):
        post_entry(
            session,
            unit_id=fund,
            entry_date=date(2018, 3, 2),
            kind="disbursement",
            lines=[
                Line(kind="expense:heart_surgery", amount=5_000),
                Line(kind="cash", amount=-5_000),
            ],
        )
    # the transaction is still usable on both engines (the refusal rolled back to a savepoint)
    assert _kind_balance(session, fund, "cash") == 1_000


def test_check_flags_a_cash_book_below_zero_on_some_day(
    session, make_receipt, unit, monkeypatch, runner
):
    """A payout dated before the receipt that funded it: today's balance is fine, the book is not."""
    monkeypatch.setattr("ledger.services.journal.ensure_covered", lambda *a: None)
    fund = unit("TT-CHUONGDUONG").id
    make_receipt(amount=2_000_000, on=date(2018, 3, 1))
    post_entry(
        session,
        unit_id=fund,
        entry_date=date(2018, 2, 1),
        kind="disbursement",
        lines=[
            Line(kind="expense:heart_surgery", amount=1_500_000),
            Line(kind="cash", amount=-1_500_000),
        ],
    )
    session.commit()
    # the raw entry has no voucher either ("unclaimed"); the book going negative is named
    problems = [p for p in check_books(session) if p.what != "unclaimed"]
    assert [p.what for p in problems] == ["negative"]
    assert "2018-02-01" in problems[0].detail and "cash" in problems[0].where
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1 and "negative" in result.output


# 3. Dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paid, refusal",
    [
        (date(2026, 12, 1), UnitNotValid),  # the commune ended on 30/06/2025
        (date(1900, 1, 1), DateNotPlausible),
        (date(2100, 12, 31), DateNotPlausible),
        (date(2008, 8, 2), OutsideCampaign),  # drafted in the 2018 campaign
        (date(2018, 1, 2), BalanceWouldGoNegative),  # before the receipt that funds it
    ],
)
def test_payment_dates_are_checked(session, make_receipt, reviewer, unit, paid, refusal):
    fund = unit("TT-CHUONGDUONG").id
    make_receipt(amount=5_000_000, on=date(2018, 1, 5))
    item = _payout(session, fund, 2_000_000, paid=None, reviewer=reviewer)
    with pytest.raises(refusal):
        pay_disbursement(session, disbursement_id=item.id, on=paid)
    book = read_book(
        session, unit_id=fund, kind="cash", date_from=date(2008, 1, 1), date_to=date(2008, 12, 31)
    )
    assert book.closing == 0 and balance(session, unit_id=fund) == 5_000_000


def test_a_payout_is_paid_inside_the_campaign_it_was_drafted_in(
    session, make_user, make_receipt, unit
):
    city = unit("HN").id
    create_campaign(session, unit_id=city, year=2018, target=1_000_000_000)
    make_receipt(unit_code="HN", amount=5_000_000, on=date(2018, 3, 1))
    drafter = make_user("thuquy.hn", "treasurer", "HN")
    city_reviewer = make_user("duyet.hn", "reviewer", "HN")
    item = _payout(session, city, 1_000_000, paid=None, reviewer=city_reviewer)
    assert drafter
    with pytest.raises(OutsideCampaign, match="31/12/2018"):
        pay_disbursement(session, disbursement_id=item.id, on=date.today())
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 12, 31))


def test_transfer_and_receipt_dates_are_checked(session, make_receipt, unit):
    with pytest.raises(DateNotPlausible):
        make_receipt(amount=1_000, on=date.today() + timedelta(days=40))
    make_receipt(amount=1_000_000, on=date(2018, 3, 1))
    for day in (date(1999, 12, 31), date.today() + timedelta(days=32)):
        with pytest.raises(DateNotPlausible):
            send_transfer(
                session,
                from_unit_id=unit("TT-CHUONGDUONG").id,
                to_unit_id=unit("TT").id,
                amount=1_000,
                on=day,
                from_method="cash",
            )


# 4. Voids ----------------------------------------------------------------------------------


def test_a_void_cancels_the_receipt_as_of_its_own_date(session, make_receipt, unit):
    fund = unit("TT-CHUONGDUONG").id
    make_receipt(amount=1_000_000, on=date(2018, 3, 5))
    wrong = make_receipt(amount=5_000_000, on=date(2018, 3, 10))
    with pytest.raises(DateBeforeOriginal):
        void_receipt(session, receipt_id=wrong.id, reason="ghi nhầm", on=date(2018, 3, 9))
    with pytest.raises(CorrectionNotNeeded):  # its period is open: it is voided, not corrected
        correct_receipt(session, receipt_id=wrong.id, reason="ghi nhầm", on=date(2018, 5, 2))
    void_receipt(session, receipt_id=wrong.id, reason="ghi nhầm", on=date(2018, 5, 2))
    reversal = session.get(Entry, wrong.void_entry_id)
    assert reversal.entry_date == date(2018, 3, 10) and reversal.reverses_id == wrong.entry_id
    assert wrong.number == 2 and wrong.voided_at is not None
    march = (date(2018, 3, 1), date(2018, 3, 31))
    # cash book of March, balance through March, quota progress, receipts list, workbook
    book = read_book(session, unit_id=fund, kind="cash", date_from=march[0], date_to=march[1])
    assert book.closing == 1_000_000
    assert (
        balance_from_postings(session, unit_id=fund, kinds=("cash",), through=march[1]) == 1_000_000
    )
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=march[1])
    assert progress.collected == 1_000_000
    listed = list_receipts(
        session, unit_ids=[fund], flt=ReceiptFilter(date_from=march[0], date_to=march[1])
    )
    assert listed.total == 1_000_000
    data = build_reconciliation(session, campaign_id=campaign.id, as_of=march[1])
    voided = {number: flag for number, *_rest, flag, _ref in data.receipts}
    assert voided == {1: False, 2: True}
    assert [c.name for c in data.checks if not c.ok] == []


def test_a_voucher_of_a_locked_period_is_corrected_not_voided(
    session, make_receipt, reviewer, unit
):
    fund = unit("TT-CHUONGDUONG").id
    receipt = make_receipt(amount=3_000_000, on=date(2018, 4, 10))
    payout = _payout(
        session,
        fund,
        1_000_000,
        drafted=date(2018, 4, 12),
        paid=date(2018, 4, 12),
        reviewer=reviewer,
    )
    lock_period(session, unit_id=fund, through=date(2018, 4, 30), user_id=None)
    make_receipt(amount=2_000_000, on=date(2018, 5, 1))
    with pytest.raises(VoidInLockedPeriod, match="điều chỉnh"):
        void_receipt(session, receipt_id=receipt.id, reason="sai", on=date(2018, 5, 2))
    with pytest.raises(VoidInLockedPeriod):
        void_disbursement(session, disbursement_id=payout.id, reason="sai", on=date(2018, 5, 2))
    correction = correct_receipt(
        session, receipt_id=receipt.id, reason="sai người nộp", on=date(2018, 5, 2)
    )
    assert (correction.entry_date, correction.reverses_id) == (date(2018, 5, 2), receipt.entry_id)
    assert (
        balance_from_postings(session, unit_id=fund, kinds=("cash",), through=date(2018, 4, 30))
        == 2_000_000
    )
    assert balance(session, unit_id=fund) == 1_000_000 and receipt.voided_at is None
    assert check_books(session) == []


def test_a_treasurer_corrects_a_locked_receipt_from_its_page(
    client, session, make_receipt, make_user, login, unit
):
    fund = unit("TT-CHUONGDUONG").id
    receipt = make_receipt(amount=3_000_000, on=date(2018, 4, 10))
    lock_period(session, unit_id=fund, through=date(2018, 4, 30), user_id=None)
    session.commit()
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.cd")
    page = client.get(f"/receipts/{receipt.id}")
    assert "Điều chỉnh phiếu thu" in page.text and "/void" not in page.text
    refused = client.post(
        f"/receipts/{receipt.id}/void", data={**form_tokens(page.text), "reason": "sai"}
    )
    assert refused.status_code == 400 and "bút toán điều chỉnh" in refused.text
    page = client.get(f"/receipts/{receipt.id}")
    done = client.post(
        f"/receipts/{receipt.id}/correct",
        data={**form_tokens(page.text), "reason": "sai người nộp", "corrected_on": "02/05/2018"},
    )
    assert done.status_code == 302
    session.rollback()
    correction = (
        session.exec(select(Entry).where(Entry.reverses_id == receipt.entry_id)).scalars().one()
    )
    assert (correction.kind, correction.entry_date) == ("receipt_correction", date(2018, 5, 2))
    assert balance(session, unit_id=fund) == 0 and check_books(session) == []


def test_the_upgrade_refuses_a_database_with_a_negative_asset_account(
    db_url, make_receipt, session, unit
):
    """The CHECK is added by migration 0004a; an existing overdraft stops it with a message."""
    from ledger.engine import dispose_engines
    from ledger.migrate import downgrade, upgrade

    make_receipt(amount=1_000, on=date(2018, 3, 1))
    fund = unit("TT-CHUONGDUONG").id
    session.commit()
    session.close()  # no transaction of ours may hold a table the downgrade drops (PostgreSQL)
    dispose_engines()
    downgrade(db_url, "0003")
    try:
        with get_engine(db_url).begin() as conn:
            conn.execute(
                text(f"UPDATE account SET balance = -5 WHERE unit_id = {fund} AND kind = 'cash'")
            )
        dispose_engines()
        with pytest.raises(RuntimeError, match=r"TT-CHUONGDUONG cash\) balance -5"):
            upgrade(db_url)
        with get_engine(db_url).begin() as conn:
            conn.execute(
                text(f"UPDATE account SET balance = 1000 WHERE unit_id = {fund} AND kind = 'cash'")
            )
        dispose_engines()
    finally:
        upgrade(db_url)
    dispose_engines()
    with pytest.raises(IntegrityError), get_engine(db_url).begin() as conn:
        conn.execute(
            text(f"UPDATE account SET balance = -5 WHERE unit_id = {fund} AND kind = 'cash'")
        )


def test_a_reviewer_above_confirms_a_large_shortfall_on_the_web(
    client, session, make_receipt, make_user, login, unit
):
    make_receipt(unit_code="TT-DUNGTIEN", amount=1_000_000, on=date(2018, 6, 1))
    sent = send_transfer(
        session,
        from_unit_id=unit("TT-DUNGTIEN").id,
        to_unit_id=unit("TT").id,
        amount=300_000,
        on=date(2018, 6, 5),
        from_method="cash",
    )
    session.commit()
    make_user("thuquy.tt", "treasurer", "TT")
    make_user("duyet.hn", "reviewer", "HN")
    make_user("kiemtoan.hn", "auditor", "HN")
    url = f"/transfers/{sent.id}/receive"
    short = {"amount": "200.000", "received_on": "06/06/2018", "reason": "đếm thiếu"}
    login("thuquy.tt")
    refused = client.post(url, data={**form_tokens(client.get(url).text), **short})
    assert refused.status_code == 403 and "cấp trên" in refused.text
    login("kiemtoan.hn")
    assert client.get(url).status_code == 403
    login("duyet.hn")
    done = client.post(url, data={**form_tokens(client.get(url).text), **short})
    assert done.status_code == 302
    session.rollback()
    assert _kind_balance(session, unit("TT").id, "bank") == 200_000
    assert _kind_balance(session, unit("TT").id, "transfer_difference") == 100_000
