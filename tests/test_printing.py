"""Printing (issue #18): several vouchers at once, two A5 vouchers to an A4 sheet, the books
and the period report on A4 with their signature blocks and page numbers."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from ledger.services.receipts import void_receipt
from tests.test_vouchers import squeeze


def pages_of(response) -> list[str]:
    """The PDF's pages as squeezed text; every page must be A4 landscape."""
    assert response.status_code == 200, response.text[:500]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    for page in reader.pages:
        size = sorted(round(float(v) / 72 * 25.4) for v in (page.mediabox.width, page.mediabox.height))
        assert size == [210, 297] and page.mediabox.width > page.mediabox.height
    return [squeeze(page.extract_text()) for page in reader.pages]


@pytest.fixture
def a_day(session, make_receipt, make_user, login):
    """Chương Dương on 15/05/2018: two cash receipts (one voided), a bank receipt; another the
    day after; its treasurer signed in."""
    on = date(2018, 5, 15)
    make_receipt(amount=1_050_000, on=on, payer_name="Nguyễn Văn Bình")
    void = make_receipt(amount=200_000, on=on, payer_name="Trần Thị Cúc")
    make_receipt(amount=5_000_000, on=on, method="bank", payer_name="Công ty Hòa Bình")
    make_receipt(amount=300_000, on=date(2018, 5, 16), payer_name="Lê Văn Dũng")
    void_receipt(session, receipt_id=void.id, reason="Ghi trùng", on=on)
    session.commit()
    user = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    return user


def test_a_days_receipts_print_two_to_an_a4_sheet_voided_one_marked(client, a_day):
    fund = a_day.unit_id
    form = client.get(f"/receipts/?unit={fund}")
    assert f"/print/receipts?unit={fund}" in form.text
    assert "Ngày" in client.get(f"/print/receipts?unit={fund}").text
    first, second = pages_of(client.get(f"/print/receipts?unit={fund}&day=15/05/2018"))
    assert first.index(squeeze("Số: 1/2018")) < first.index(squeeze("Số: 2/2018"))
    assert squeeze("Nguyễn Văn Bình") in first and squeeze("Trần Thị Cúc") in first
    assert squeeze("ĐÃ HỦY ngày") in first and squeeze("Lý do: Ghi trùng") in first
    assert squeeze("Số: 3/2018") in second and squeeze("GIẤY XÁC NHẬN ỦNG HỘ") in second
    assert squeeze("Đã nhận đủ số tiền") not in second  # a bank receipt: no cash counted
    assert squeeze("Lê Văn Dũng") not in first + second  # another day
    # a range of numbers, across days
    [sheet] = pages_of(client.get(f"/print/receipts?unit={fund}&year=2018&from_no=3&to_no=4"))
    assert squeeze("Số: 3/2018") in sheet and squeeze("Số: 4/2018") in sheet
    assert squeeze("Số: 2/2018") not in sheet


#: (query, status, what the page says): nothing printed, the form again with the values typed
REFUSED = [
    ("day=16/06/2018", 400, "Không có phiếu nào để in"),
    ("year=2019&from_no=1&to_no=9", 400, "Không có phiếu nào để in"),
    ("year=2018&from_no=1&to_no=5000", 400, "Mỗi lần in tối đa 200 phiếu"),
    ("year=2018&from_no=9&to_no=2", 400, "“Từ số” phải nhỏ hơn hoặc bằng “Đến số”"),
    ("day=31/02/2018", 400, "Ngày: Ngày không hợp lệ"),
    ("from_no=abc", 400, "Từ số: Giá trị không hợp lệ"),
    ("year=1800&from_no=1", 400, "Năm: Năm phải từ 2000 đến 2100"),
    ("day=&from_no=", 200, "In nhiều phiếu thu"),
]


def test_a_print_that_cannot_be_made_says_why_on_the_form(client, a_day):
    for query, status, message in REFUSED:
        response = client.get(f"/print/receipts?unit={a_day.unit_id}&{query}")
        assert response.status_code == status, query
        assert response.mimetype == "text/html"
        assert message in response.text, query
        for typed in query.split("&"):  # the user's values are kept on the form
            name, value = typed.split("=")
            if value:
                assert f'name="{name}"' in response.text and f'value="{value}"' in response.text


def test_batch_print_is_scoped_to_the_users_units(client, a_day, session, make_user, login):
    fund = a_day.unit_id
    make_user("thuquy.b", "treasurer", "TT-DUNGTIEN")
    login("thuquy.b")
    for kind in ("receipts", "disbursements"):
        assert client.get(f"/print/{kind}?unit={fund}&day=15/05/2018").status_code == 404
        assert client.get(f"/print/{kind}?unit={fund}").status_code == 404
    make_user("duyet.tt", "reviewer", "TT")  # the district sees its communes
    login("duyet.tt")
    assert len(pages_of(client.get(f"/print/receipts?unit={fund}&day=15/05/2018"))) == 2


def test_paid_vouchers_of_a_day_print_drafts_do_not(client, demo, session, make_user, login):
    from ledger.models import Disbursement
    from sqlmodel import select

    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.cd")
    paid = session.exec(select(Disbursement).where(Disbursement.number.is_not(None))).one()
    url = f"/print/disbursements?unit={paid.unit_id}&day={paid.disbursement_date:%d/%m/%Y}"
    [sheet] = pages_of(client.get(url))
    assert squeeze("PHIẾU CHI") in sheet and squeeze(f"Số: {paid.number}/2018") in sheet
    assert squeeze("Mẫu số C41-BB") in sheet
    assert client.get(f"/disbursements/?unit={paid.unit_id}").text.count("/print/disbursements")
