"""Transfers as the vouchers and books show them: a cash ↔ bank move takes a cash voucher
number in its series and keeps its memo; the books name the counterpart; the flash says what
happened; the screens say "Tiền mặt"/"Ngân hàng", never "cash"/"bank"."""

from __future__ import annotations

import html
from datetime import date

from sqlalchemy import select

from ledger.models import Transfer
from ledger.services.books import read_book
from ledger.services.disbursements import DisbursementInput, draft_disbursement, pay_disbursement
from ledger.services.transfers import receive_transfer, send_transfer
from ledger.services.units import find_unit
from tests.test_vouchers import pdf_text, squeeze


def _book(session, unit_id: int, kind: str):
    session.rollback()
    return read_book(
        session, unit_id=unit_id, kind=kind, date_from=date(2018, 1, 1), date_to=date(2018, 12, 31)
    )


def _deposit(client, submit, fund, memo="Nộp tiền ủng hộ tháng 6"):
    return submit(
        "/transfers/new",
        {
            "to_unit_id": str(fund.id),
            "amount": "1.000.000",
            "sent_on": "02/07/2018",
            "from_method": "cash",
            "to_method": "bank",
            "memo": memo,
        },
    )


def test_a_cash_deposit_takes_a_phieu_chi_number_shows_its_memo_and_says_it_is_done(
    client, login, submit, funded, session
):
    fund = funded["fund"]
    login("thuquy.a")
    response = _deposit(client, submit, fund)
    assert response.status_code == 302 and "/voucher" in response.headers["Location"]
    page = html.unescape(client.get(response.headers["Location"]).text)
    assert "Đã nộp 1.000.000 đ tiền mặt vào tài khoản ngân hàng." in page
    assert "chờ bên nhận" not in page and "xác nhận đã nhận" not in page
    voucher = squeeze(page)
    for text in ("PHIẾU CHI", "Số: 1/2018", "Nội dung: Nộp tiền ủng hộ tháng 6", "Đã nhận đủ"):
        assert squeeze(text) in voucher, text
    transfer_id = int(response.headers["Location"].split("/")[-2])
    pdf = pdf_text(client.get(f"/transfers/{transfer_id}/voucher.pdf").data)
    assert squeeze("Số: 1/2018") in pdf and squeeze("Nộp tiền ủng hộ tháng 6") in pdf

    listing = html.unescape(client.get("/transfers/").text)
    assert "1/2018" in listing and "Nộp tiền ủng hộ tháng 6" in listing
    assert "(Tiền mặt)" in listing and "(Ngân hàng)" in listing
    assert "(cash)" not in listing and "(bank)" not in listing

    cash = _book(session, fund.id, "cash").lines[-1]
    bank = _book(session, fund.id, "bank").lines[-1]
    for line in (cash, bank):
        assert line.payment_no == 1 and line.receipt_no is None
        assert line.description == "Nộp tiền mặt vào tài khoản ngân hàng: Nộp tiền ủng hộ tháng 6"
    assert (cash.money_out, bank.money_in) == (1_000_000, 1_000_000)


def test_the_deposit_and_the_payouts_share_the_phieu_chi_series(session, funded):
    fund = funded["fund"]
    first = send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=fund.id,
        amount=500_000,
        on=date(2018, 6, 1),
        from_method="cash",
        to_method="bank",
    )
    item = draft_disbursement(
        session,
        unit_id=fund.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 3),
            category_id=1,
            payee_name="Bà Lê Thị Mai",
            amount=300_000,
            reason="Quà Tết Trung thu",
        ),
    )
    item.status = "approved"
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 3))
    withdrawal = send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=fund.id,
        amount=200_000,
        on=date(2018, 6, 5),
        from_method="bank",
        to_method="cash",
    )
    between = send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=find_unit(session, "TT").id,
        amount=100_000,
        on=date(2018, 6, 6),
        from_method="cash",
        to_method="bank",
    )
    assert (first.number, item.number) == (1, 2)
    assert withdrawal.number == 2  # a phiếu thu after the fund's one receipt of 2018
    assert between.number is None  # between funds the bank's or the other fund's papers serve
    session.commit()
    cash = _book(session, fund.id, "cash")
    [drawn] = [line for line in cash.lines if line.entry_date == date(2018, 6, 5)]
    assert (drawn.receipt_no, drawn.payment_no) == (2, None)
    assert drawn.description == "Rút tiền gửi ngân hàng nhập quỹ tiền mặt"


def test_books_name_the_other_fund_and_the_flash_says_it_waits_for_it(
    client, login, submit, funded, session
):
    fund, district = funded["fund"], find_unit(session, "TT")
    login("thuquy.a")
    response = submit(
        "/transfers/new",
        {
            "to_unit_id": str(district.id),
            "amount": "2.000.000",
            "sent_on": "03/07/2018",
            "from_method": "cash",
            "to_method": "bank",
            "memo": "",
        },
    )
    page = html.unescape(client.get(response.headers["Location"]).text)
    assert f"tiền đang chuyển cho đến khi {district.name} xác nhận đã nhận" in page
    session.rollback()
    transfer = session.execute(select(Transfer)).scalar_one()
    receive_transfer(session, transfer_id=transfer.id, amount=2_000_000, on=date(2018, 7, 3))
    session.commit()
    assert _book(session, fund.id, "cash").lines[-1].description == (
        f"Chuyển quỹ cho {district.name}"
    )
    assert _book(session, district.id, "bank").lines[-1].description == (
        f"Nhận chuyển quỹ từ {fund.name}"
    )
