"""Transfers between funds: in transit until received, neither collected nor spent, never more
than the balance, cash to bank inside one fund; a refused receipt of a transfer keeps the form."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from ledger.errors import (
    DifferenceNeedsReason,
    InsufficientFunds,
)
from ledger.models import Transfer
from ledger.services.check import check_books
from ledger.services.journal import balance
from ledger.services.transfers import receive_transfer, send_transfer
from ledger.services.units import find_unit
from tests.conftest import form_tokens
from tests.test_evidence import JPEG, PDF, _files, _upload


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


# The transfer's own page and its papers: the sender attaches the payment order (ủy nhiệm chi),
# the receiver confirms and attaches the bank's credit advice; both funds and the levels above
# either read them, whichever way the money went; another commune finds nothing.
def _send(submit, to_unit_id: int, amount: str, from_method="bank") -> str:
    sent = submit(
        "/transfers/new",
        {
            "to_unit_id": str(to_unit_id),
            "amount": amount,
            "sent_on": "01/07/2018",
            "from_method": from_method,
            "to_method": "bank",
            "memo": "Nộp quỹ về huyện",
        },
    )
    assert sent.status_code == 302
    assert re.fullmatch(r"/transfers/\d+", sent.headers["Location"]), sent.headers["Location"]
    return sent.headers["Location"]


def _sign_out(client):
    client.post("/auth/logout", data=form_tokens(client.get("/").text))


def test_both_funds_attach_and_read_the_papers_of_a_transfer(
    client, session, login, submit, funded, make_user, unit
):
    make_user("thuquy.tt", "treasurer", "TT")
    district, commune = unit("TT"), funded["fund"]
    login("thuquy.a")
    page = _send(submit, district.id, "2.000.000", from_method="cash")
    transfer_id = int(page.rsplit("/", 1)[1])
    shown = client.get(page).text
    assert "Đang chuyển: bên nhận chưa xác nhận" in shown and "2.000.000 đ" in shown
    assert "Không có chứng từ kèm theo" in shown
    assert _upload(client, page, PDF, "UNC 01-07.pdf", "transfer", transfer_id).status_code == 302
    shown = client.get(page).text
    assert "1 chứng từ gốc" in shown and "UNC 01-07.pdf" in shown
    assert f'href="{page}"' in client.get("/transfers/").text  # "Xem" from the list
    [slip] = _files(session, transfer_id, kind="transfer")

    _sign_out(client)
    login("duyet.px")  # another commune: nothing, not even that it exists
    assert client.get(page).status_code == 404
    assert client.get(f"/evidence/{slip.id}").status_code == 404
    refused = _upload(client, "/transfers/", JPEG, "x.jpg", "transfer", transfer_id)
    assert refused.status_code == 404 and len(_files(session, transfer_id, "transfer")) == 1

    _sign_out(client)
    login("thuquy.tt")  # the receiving district reads the slip, confirms, adds the credit advice
    assert client.get(f"/evidence/{slip.id}").data == PDF
    assert f'href="/transfers/{transfer_id}/receive"' in client.get(page).text
    received = submit(
        f"/transfers/{transfer_id}/receive",
        {"amount": "2.000.000", "received_on": "01/07/2018", "reason": ""},
    )
    assert received.status_code == 302, re.findall(r"class=\"error[^<]*<", received.text)
    assert received.headers["Location"] == page
    assert (
        _upload(client, page, JPEG, "Giấy báo có.jpg", "transfer", transfer_id).status_code == 302
    )
    shown = client.get(page).text
    assert "Đã nhận" in shown and "Người xác nhận" in shown and "2 chứng từ gốc" in shown
    assert [f.unit_id for f in _files(session, transfer_id, "transfer")] == [
        commune.id,
        district.id,
    ]
    assert f"/evidence/{slip.id}/remove" not in shown  # the commune's slip is the commune's
    tokens = form_tokens(shown)
    refused = client.post(f"/evidence/{slip.id}/remove", data={**tokens, "reason": "x"})
    assert refused.status_code == 403
    assert "/receive" not in shown  # confirmed once

    # money down: the district's allocation to the commune, its slip read by the commune
    down = _send(submit, commune.id, "500.000")
    down_id = int(down.rsplit("/", 1)[1])
    assert _upload(client, down, PDF, "UNC cấp về xã.pdf", "transfer", down_id).status_code == 302
    [allocation] = _files(session, down_id, kind="transfer")
    _sign_out(client)
    login("thuquy.a")
    assert "UNC cấp về xã.pdf" in client.get(down).text
    assert client.get(f"/evidence/{allocation.id}").data == PDF
    assert client.get(f"/evidence/{slip.id}").data == PDF  # and its own slip still
    # the commune adds its credit advice to the district's transfer, and removes only that
    assert _upload(client, down, JPEG, "Báo có xã.jpg", "transfer", down_id).status_code == 302
    district_slip, advice = _files(session, down_id, kind="transfer")
    assert (district_slip.unit_id, advice.unit_id) == (district.id, commune.id)
    shown = client.get(down).text
    assert f"/evidence/{advice.id}/remove" in shown
    assert f"/evidence/{district_slip.id}/remove" not in shown
    tokens = form_tokens(shown)
    refused = client.post(f"/evidence/{district_slip.id}/remove", data={**tokens, "reason": "x"})
    assert refused.status_code == 403
    removed = client.post(f"/evidence/{advice.id}/remove", data={**tokens, "reason": "Nhầm tệp"})
    assert removed.status_code == 302
    [kept] = [f for f in _files(session, down_id, kind="transfer") if f.removed_at is None]
    assert kept.id == district_slip.id


def test_a_cash_to_bank_move_is_shown_as_its_voucher(client, session, login, submit, funded):
    login("thuquy.a")
    fund = funded["fund"]
    sent = submit(
        "/transfers/new",
        {
            "to_unit_id": str(fund.id),
            "amount": "1.000.000",
            "sent_on": "01/07/2018",
            "from_method": "cash",
            "to_method": "bank",
        },
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/voucher")
    deposit = session.exec(select(Transfer).where(Transfer.number.is_not(None))).one()
    moved = client.get(f"/transfers/{deposit.id}")
    assert (
        moved.status_code == 302 and moved.headers["Location"] == f"/transfers/{deposit.id}/voucher"
    )
    assert client.get("/transfers/999999").status_code == 404


def test_only_who_may_confirm_is_offered_to(
    client, session, login, funded, make_user, make_receipt, unit
):
    """A transfer from the district up to the city: the district's reviewer sees it, but the
    city confirms it, so neither the page nor the list offers "Xác nhận đã nhận" there."""
    from ledger.services.transfers import send_transfer

    district = unit("TT")
    make_user("qt.hn", "admin", "HN")
    make_receipt("TT", amount=3_000_000, on=date(2018, 6, 1), method="bank")
    up = send_transfer(
        session,
        from_unit_id=district.id,
        to_unit_id=unit("HN").id,
        amount=1_000_000,
        on=date(2018, 6, 2),
    )
    session.commit()
    login("duyet.tt")
    assert client.get(f"/transfers/{up.id}").status_code == 200
    assert f"/transfers/{up.id}/receive" not in client.get(f"/transfers/{up.id}").text
    assert f"/transfers/{up.id}/receive" not in client.get("/transfers/").text
    _sign_out(client)
    login("qt.hn")
    assert f"/transfers/{up.id}/receive" in client.get(f"/transfers/{up.id}").text
