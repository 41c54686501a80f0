"""Vouchers true to the forms: one description printed on screen and in the PDF (Phiếu thu
C40-BB, Phiếu chi C41-BB), a bank receipt and an in-kind gift as practice has them, one way to
write a number, and the warning when a new receipt's date goes back against its series."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from ledger.dates import VIETNAM
from ledger.exports.vouchers import (
    disbursement_voucher,
    receipt_voucher,
    transfer_voucher,
    voucher_pdf,
)
from ledger.models import Disbursement, Receipt, Transfer, Unit
from ledger.services.settings import voucher_settings
from ledger.services.units import find_unit
from ledger.services.vouchers import backdated
from tests.conftest import form_tokens

#: what C40-BB / C41-BB print, beyond the document's own values (checked on screen and in PDF)
FORM_ELEMENTS = (
    "Đơn vị:",
    "Mã QHNS:",
    "Quỹ: Quỹ Bảo trợ trẻ em",
    "Mẫu số",
    "Ban hành kèm theo Thông tư",
    "Quyển số:",
    "Nợ:",
    "Có:",
    "Địa chỉ:",
    "Nội dung:",
    "Số tiền:",
    "(Viết bằng chữ):",
    "Kèm theo:",
    "chứng từ gốc",
    "Thủ trưởng đơn vị",
    "(Ký, họ tên, đóng dấu)",
    "Kế toán trưởng",
    "Người lập",
    "Đã nhận đủ số tiền",
    "Thủ quỹ",
)


def squeeze(text: str) -> str:
    """Text without tags or whitespace: what both renderings must contain, wrapping aside."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def pdf_text(data: bytes) -> str:
    """The PDF's text, squeezed; a voucher fits one A5 page."""
    assert data.startswith(b"%PDF")
    [page] = PdfReader(io.BytesIO(data)).pages
    assert round(float(page.mediabox.width) / 72 * 25.4) == 148  # A5 portrait, 148 × 210 mm
    return squeeze(page.extract_text())


def assert_everywhere(texts, *renderings: str) -> None:
    for text in texts:
        for rendering in renderings:
            assert squeeze(text) in rendering, text


@pytest.fixture
def treasurer(make_user, login):
    user = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    login("thuquy.a")
    return user


def _voucher_of(session, receipt):
    session.rollback()
    receipt = session.get(Receipt, receipt.id)
    return receipt_voucher(
        receipt,
        fund=session.get(Unit, receipt.unit_id),
        settings=voucher_settings(session, receipt.receipt_date),
        credit_unit=session.get(Unit, receipt.credit_unit_id),
    )


def test_cash_receipt_prints_every_element_of_the_form_on_screen_and_in_the_pdf(
    client, treasurer, make_receipt, session
):
    receipt = make_receipt(
        amount=1_050_000,
        on=date(2018, 5, 15),
        payer_name="Nguyễn Văn Bình",
        payer_address="Thôn Đông",
        book_no="01",
        attachments=2,
    )
    session.commit()
    screen = squeeze(client.get(f"/receipts/{receipt.id}").text)
    pdf = pdf_text(client.get(f"/receipts/{receipt.id}/voucher.pdf").data)
    voucher = _voucher_of(session, receipt)
    assert_everywhere(voucher.texts(), screen, pdf)
    assert_everywhere(FORM_ELEMENTS, screen, pdf)
    # the date under the title, and the dated line above each signature row
    assert_everywhere(["ngày 15 tháng 05 năm 2018", "Ngày 15 tháng 05 năm 2018"], screen, pdf)
    assert pdf.count(squeeze("Ngày 15 tháng 05 năm 2018")) == 2
    assert_everywhere(["PHIẾU THU", "Mẫu số C40-BB", "Số: 1/2018", "Người nộp tiền"], screen, pdf)
    assert_everywhere(["Một triệu không trăm năm mươi nghìn đồng", "Quyển số: 01"], screen, pdf)


def test_paid_disbursement_prints_the_phieu_chi_with_its_dated_line_on_screen_and_pdf(
    client, demo, make_user, login, session
):
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.cd")
    item = session.execute(
        select(Disbursement).where(Disbursement.number.is_not(None))
    ).scalar_one()
    screen = squeeze(client.get(f"/disbursements/{item.id}").text)
    pdf = pdf_text(client.get(f"/disbursements/{item.id}/voucher.pdf").data)
    voucher = disbursement_voucher(
        item,
        fund=session.get(Unit, item.unit_id),
        settings=voucher_settings(session, item.disbursement_date),
    )
    assert_everywhere(voucher.texts(), screen, pdf)
    assert_everywhere(FORM_ELEMENTS, screen, pdf)
    assert_everywhere(["PHIẾU CHI", "Mẫu số C41-BB", "Người nhận tiền"], screen, pdf)
    assert_everywhere(["Ngày 02 tháng 06 năm 2018", f"Số: {item.number}/2018"], screen, pdf)


def test_bank_receipt_confirms_money_into_the_account_without_a_cash_count(
    client, treasurer, make_receipt, session
):
    receipt = make_receipt(
        amount=5_000_000, on=date(2018, 6, 4), method="bank", reference="FT18155"
    )
    session.commit()
    screen = squeeze(client.get(f"/receipts/{receipt.id}").text)
    pdf = pdf_text(client.get(f"/receipts/{receipt.id}/voucher.pdf").data)
    assert_everywhere(_voucher_of(session, receipt).texts(), screen, pdf)
    assert_everywhere(
        ["GIẤY XÁC NHẬN", "vào tài khoản tiền gửi của Quỹ ngày 04/06/2018", "FT18155"],
        screen,
        pdf,
    )
    for cash_only in ("Đã nhận đủ số tiền", "Thủ quỹ", "Mẫu số C40-BB", "PHIẾU THU"):
        assert squeeze(cash_only) not in screen and squeeze(cash_only) not in pdf


def test_in_kind_gift_lists_the_goods_and_their_value(client, treasurer, make_receipt, session):
    receipt = make_receipt(
        amount=3_200_000,
        on=date(2018, 6, 1),
        method="in_kind",
        in_kind_description="20 bộ sách giáo khoa lớp 5, 10 xe đạp",
    )
    session.commit()
    screen = squeeze(client.get(f"/receipts/{receipt.id}").text)
    pdf = pdf_text(client.get(f"/receipts/{receipt.id}/voucher.pdf").data)
    assert_everywhere(_voucher_of(session, receipt).texts(), screen, pdf)
    assert_everywhere(
        ["BIÊN BẢN GIAO NHẬN HIỆN VẬT", "20 bộ sách giáo khoa lớp 5, 10 xe đạp", "3.200.000 đ"],
        screen,
        pdf,
    )
    assert_everywhere(["Giá trị ước tính", "Bên giao", "Ba triệu hai trăm nghìn đồng"], screen, pdf)
    for cash_only in ("Đã nhận đủ số tiền", "Thủ quỹ"):
        assert squeeze(cash_only) not in screen and squeeze(cash_only) not in pdf


def test_voided_receipt_says_so_in_both(client, treasurer, make_receipt, session):
    from ledger.services.receipts import void_receipt

    receipt = make_receipt(amount=400_000, on=date(2018, 3, 1))
    void_receipt(session, receipt_id=receipt.id, reason="Ghi trùng", on=date(2018, 3, 2))
    session.commit()
    screen = squeeze(client.get(f"/receipts/{receipt.id}").text)
    pdf = pdf_text(client.get(f"/receipts/{receipt.id}/voucher.pdf").data)
    assert_everywhere(["ĐÃ HỦY", "Lý do: Ghi trùng"], screen, pdf)


def test_the_number_is_written_one_way_on_the_voucher_and_the_list(
    client, treasurer, make_receipt, session
):
    for day in (1, 2, 3):
        receipt = make_receipt(amount=100_000, on=date(2018, 4, day))
    session.commit()
    voucher = squeeze(client.get(f"/receipts/{receipt.id}").text)
    listing = squeeze(client.get(f"/receipts/?unit={receipt.unit_id}").text)
    assert "Số:3/2018" in voucher and "3/2018" in listing
    assert "Số:3<" not in voucher and not re.search(r"Số:3(?!/)", voucher)


# --- the backdate warning ------------------------------------------------------------------------

RECEIPT = {
    "amount": "500.000",
    "method": "cash",
    "source": "donation",
    "payer_name": "Trần Thị Hoa",
    "new_donor": "y",  # a new donor, not one picked from the list
    "donor_kind": "individual",
}


def _count(session) -> int:
    session.rollback()
    return session.execute(select(func.count(Receipt.id))).scalar_one()


def test_a_receipt_dated_before_the_series_asks_to_confirm_then_saves(
    client, treasurer, make_receipt, session, unit
):
    fund = unit("TT-CHUONGDUONG")
    for day in range(1, 31):
        make_receipt(amount=100_000, on=date(2018, 11, 9) if day == 30 else date(2018, 1, day))
    session.commit()
    page = client.get("/receipts/new")
    data = {
        **RECEIPT,
        **form_tokens(page.text),
        "receipt_date": "05/11/2018",
        "credit_unit_id": str(fund.id),
    }
    warned = client.post("/receipts/new", data=data)
    text = html.unescape(warned.text)
    assert warned.status_code == 200 and _count(session) == 30
    assert "Phiếu thu số 30/2018 đã lập ngày 09/11/2018" in text
    assert "phiếu này ngày 05/11/2018 sẽ mang số 31/2018" in text
    assert 'value="Trần Thị Hoa"' in text  # the user keeps what they typed
    assert 'name="confirm_backdate" value="2018-11-05"' in text
    saved = client.post("/receipts/new", data={**data, "confirm_backdate": "2018-11-05"})
    assert saved.status_code == 302 and _count(session) == 1 + 30
    newest = session.execute(select(Receipt).order_by(Receipt.id.desc())).scalars().first()
    assert (newest.number, newest.receipt_date) == (31, date(2018, 11, 5))


def test_a_confirmation_for_another_date_asks_again(client, treasurer, make_receipt, session, unit):
    make_receipt(amount=100_000, on=date(2018, 11, 9))
    session.commit()
    page = client.get("/receipts/new")
    data = {
        **RECEIPT,
        **form_tokens(page.text),
        "receipt_date": "01/11/2018",
        "credit_unit_id": str(unit("TT-CHUONGDUONG").id),
        "confirm_backdate": "2018-11-05",
    }
    assert client.post("/receipts/new", data=data).status_code == 200
    assert _count(session) == 1


@pytest.mark.parametrize("on", [date(2018, 11, 9), date(2018, 11, 20), date(2019, 1, 2)])
def test_a_date_in_order_saves_without_a_word(client, treasurer, make_receipt, session, unit, on):
    make_receipt(amount=100_000, on=date(2018, 11, 9))
    session.commit()
    page = client.get("/receipts/new")
    data = {
        **RECEIPT,
        **form_tokens(page.text),
        "receipt_date": on.strftime("%d/%m/%Y"),
        "credit_unit_id": str(unit("TT-CHUONGDUONG").id),
    }
    assert client.post("/receipts/new", data=data).status_code == 302
    assert _count(session) == 2


def test_backdated_reads_each_series_of_its_fund_and_year(session, make_receipt, funded):
    from ledger.services.transfers import send_transfer

    fund = funded["fund"]  # one receipt of 05/01/2018
    other = find_unit(session, "TT-DUNGTIEN")
    make_receipt(unit_code="TT-DUNGTIEN", amount=100_000, on=date(2018, 12, 1))
    assert backdated(session, unit_id=fund.id, kind="receipt", on=date(2018, 1, 5)) is None
    warning = backdated(session, unit_id=fund.id, kind="receipt", on=date(2018, 1, 4))
    assert (warning.number, warning.latest, warning.next_number) == (1, date(2018, 1, 5), 2)
    assert backdated(session, unit_id=other.id, kind="receipt", on=date(2019, 1, 1)) is None
    # a cash deposit into the bank is a phiếu chi: the payment series now has a 10/06 voucher
    assert backdated(session, unit_id=fund.id, kind="disbursement", on=date(2018, 6, 1)) is None
    send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=fund.id,
        amount=1_000_000,
        on=date(2018, 6, 10),
        from_method="cash",
        to_method="bank",
    )
    warning = backdated(session, unit_id=fund.id, kind="disbursement", on=date(2018, 6, 1))
    assert (warning.number, warning.latest, warning.next_number) == (1, date(2018, 6, 10), 2)


# --- the receipt page ------------------------------------------------------------------------------


def test_receipt_page_shows_method_source_status_and_who_entered_it_when(
    client, treasurer, submit, session, unit
):
    fund = unit("TT-CHUONGDUONG")
    response = submit(
        "/receipts/new",
        {**RECEIPT, "receipt_date": "15/05/2018", "credit_unit_id": str(fund.id), "method": "bank"},
    )
    page = html.unescape(client.get(response.headers["Location"]).text)
    facts = squeeze(page.split('id="receipt-facts"')[1].split("</dl>")[0])
    session.rollback()
    receipt = session.execute(select(Receipt)).scalar_one()
    local = receipt.created_at.replace(tzinfo=UTC).astimezone(VIETNAM)
    for text in ("Chuyển khoản", "Ủng hộ", "Đã ghi sổ", "Phạm Thị Lan", "1/2018"):
        assert squeeze(text) in facts, text
    assert squeeze(local.strftime("%d/%m/%Y %H:%M")) in facts


def test_transfer_voucher_builder_names_the_deposit():
    fund = Unit(id=1, name="Xã Chương Dương", code="X", level="commune")

    deposit = Transfer(
        from_unit_id=1,
        to_unit_id=1,
        from_method="cash",
        to_method="bank",
        amount_sent=2_000_000,
        sent_on=date(2018, 7, 2),
        sent_entry_id=1,
        memo="Nộp tiền ủng hộ tháng 6",
        number=4,
    )
    settings = {
        "receipt_form_code": "Mẫu số C40-BB",
        "disbursement_form_code": "Mẫu số C41-BB",
        "form_circular": "(Ban hành kèm theo Thông tư số 107/2017/TT-BTC)",
        "linh": "linh",
        "even": False,
    }
    voucher = transfer_voucher(deposit, fund=fund, settings=settings)
    pdf = pdf_text(voucher_pdf(voucher))
    assert voucher.title == "PHIẾU CHI" and voucher.number == "Số: 4/2018"
    assert_everywhere(voucher.texts(), pdf)
    assert_everywhere(["Nội dung: Nộp tiền ủng hộ tháng 6", "Hai triệu đồng"], pdf)
