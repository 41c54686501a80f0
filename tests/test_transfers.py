"""Transfers between funds: in transit until received, neither collected nor spent, never more
than the balance, cash to bank inside one fund; a refused receipt of a transfer keeps the form."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import (
    DifferenceNeedsReason,
    InsufficientFunds,
)
from ledger.services.check import check_books
from ledger.services.journal import balance
from ledger.services.transfers import receive_transfer, send_transfer
from ledger.services.units import find_unit


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


def test_the_transfers_list_names_the_accounts_in_the_users_language(
    client, funded, login, submit, unit
):
    """The list says which account the money left and reached ("Tiền mặt" → "Ngân hàng"),
    not the stored codes ("cash", "bank"), in Vietnamese and in English."""
    login("thuquy.a")
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
    page = client.get("/transfers/").text
    assert "(Tiền mặt)" in page and "(Ngân hàng)" in page
    assert "(cash)" not in page and "(bank)" not in page
    english = client.get("/transfers/?lang=en").text
    assert "(Cash)" in english and "(Bank)" in english
