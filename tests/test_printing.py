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
        size = sorted(
            round(float(v) / 72 * 25.4) for v in (page.mediabox.width, page.mediabox.height)
        )
        assert size == [210, 297] and page.mediabox.width > page.mediabox.height
    return [squeeze(page.extract_text()) for page in reader.pages]


@pytest.fixture
def a_day(session, make_receipt, make_user, login):
    """Chương Dương on 15/05/2018: two cash receipts (one voided), a bank receipt, two payouts
    paid and one still a draft; a receipt the day after; its 2018 campaign with a 6-month
    report; its treasurer signed in."""
    from ledger.services.campaigns import create_campaign, set_report_period
    from ledger.services.disbursements import (
        DisbursementInput,
        draft_disbursement,
        pay_disbursement,
    )
    from ledger.services.units import find_unit

    on, fund = date(2018, 5, 15), find_unit(session, "TT-CHUONGDUONG")
    campaign = create_campaign(session, unit_id=fund.id, year=2018, target=10_000_000)
    set_report_period(
        session,
        campaign_id=campaign.id,
        code="h1",
        name="Báo cáo 6 tháng",
        cutoff=date(2018, 6, 30),
        due=date(2018, 7, 15),
    )
    make_receipt(amount=1_050_000, on=on, payer_name="Nguyễn Văn Bình")
    void = make_receipt(amount=200_000, on=on, payer_name="Trần Thị Cúc")
    make_receipt(amount=5_000_000, on=on, method="bank", payer_name="Công ty Hòa Bình")
    make_receipt(amount=300_000, on=date(2018, 5, 16), payer_name="Lê Văn Dũng")
    void_receipt(session, receipt_id=void.id, reason="Ghi trùng", on=on)
    for payee, paid in (("Gia đình em Hoa", True), ("Gia đình em Lan", True), ("Nháp", False)):
        item = draft_disbursement(
            session,
            unit_id=fund.id,
            data=DisbursementInput(
                disbursement_date=on, category_id=1, payee_name=payee, amount=150_000
            ),
        )
        if paid:
            item.status = "approved"
            pay_disbursement(session, disbursement_id=item.id, on=on)
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
    malformed = client.get(f"/print/receipts?unit={a_day.unit_id}&day=31/02/2018").text
    assert "Chọn ngày, hoặc" not in malformed  # named once, as a malformed date


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


def test_the_paid_vouchers_of_a_day_print_drafts_do_not(client, a_day):
    url = f"/print/disbursements?unit={a_day.unit_id}&day=15/05/2018"
    [sheet] = pages_of(client.get(url))
    assert squeeze("Số: 1/2018") in sheet and squeeze("Số: 2/2018") in sheet
    assert squeeze("Gia đình em Hoa") in sheet and squeeze("Gia đình em Lan") in sheet
    assert sheet.count(squeeze("PHIẾU CHI")) == sheet.count(squeeze("Mẫu số C41-BB")) == 2
    assert squeeze("Nháp") not in sheet
    assert f"/print/disbursements?unit={a_day.unit_id}" in client.get("/disbursements/").text


def a4_pages(response, *, landscape: bool = False) -> list[str]:
    """The PDF's pages as squeezed text; every page A4, portrait unless told."""
    assert response.status_code == 200, response.text[:500]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    for page in reader.pages:
        width, height = (round(float(v) / 72 * 25.4) for v in page.mediabox[2:])
        assert (width, height) == ((297, 210) if landscape else (210, 297))
    return [squeeze(page.extract_text()) for page in reader.pages]


SIGNERS = ("Kế toán trưởng", "Thủ trưởng đơn vị", "(Ký, họ tên, đóng dấu)")


def test_a_long_cash_book_prints_on_numbered_a4_pages_signed_on_the_last(
    client, session, make_user, login
):
    from ledger.services.receipts import ReceiptInput, record_receipts
    from ledger.services.units import find_unit

    fund = find_unit(session, "TT-CHUONGDUONG")
    items = [
        ReceiptInput(
            receipt_date=date(2018, 1 + n // 30, 1 + n % 28),
            amount=100_000 + n,
            payer_name=f"Nhà hảo tâm số {n} thôn Đông, xã Chương Dương",
        )
        for n in range(120)
    ]
    record_receipts(session, unit_id=fund.id, items=items)
    session.commit()
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    query = "?from=01/01/2018&to=31/12/2018"
    screen = client.get(f"/books/{fund.id}/cash{query}").text
    assert f"/books/{fund.id}/cash.pdf" in screen and 'id="book-signatures"' in screen
    pages = a4_pages(client.get(f"/books/{fund.id}/cash.pdf{query}"))
    count = len(pages)
    assert count >= 3
    for number, text in enumerate(pages, start=1):
        assert text.endswith(f"Trang{number}/{count}")
        assert squeeze("Diễn giải Thu Chi Tồn") in text  # the header, repeated on every page
        assert (squeeze("Người ghi sổ") in text) == (number == count)
    assert squeeze("SỔ QUỸ TIỀN MẶT") in pages[0] and squeeze("Xã Chương Dương") in pages[0]
    last = pages[-1]
    total = sum(item.amount for item in items)
    assert squeeze(f"Số dư cuối kỳ {total:,} đ".replace(",", ".")) in last
    assert all(squeeze(signer) in last for signer in SIGNERS)
    assert squeeze(f"Sổ này có {count} trang, đánh số từ trang 1 đến trang {count}") in last
    # the bank book: its own title, one page, signed
    [bank] = a4_pages(client.get(f"/books/{fund.id}/bank.pdf{query}"))
    assert squeeze("SỔ TIỀN GỬI NGÂN HÀNG") in bank and squeeze("Người ghi sổ") in bank
    make_user("thuquy.b", "treasurer", "TT-DUNGTIEN")
    login("thuquy.b")
    assert client.get(f"/books/{fund.id}/cash.pdf{query}").status_code == 404


def _period_of(session, unit_id):
    """The fund's own 6-month report period (the a_day fixture's)."""
    from sqlmodel import select

    from ledger.models import Campaign, ReportPeriod

    query = select(ReportPeriod).join(Campaign).where(Campaign.unit_id == unit_id)
    return session.exec(query).one()


def test_the_period_report_prints_on_a4_landscape_with_its_figures_and_signatures(
    client, a_day, two_districts, session, make_user
):
    period = _period_of(session, a_day.unit_id)
    url = f"/campaigns/{period.campaign_id}/reports/{period.id}"
    screen = client.get(url).text
    assert f"{url}.pdf" in screen and 'id="report-signatures"' in screen
    pages = a4_pages(client.get(f"{url}.pdf"), landscape=True)
    text = "".join(pages)
    assert squeeze("BÁO CÁO 6 THÁNG") in pages[0] and squeeze("Xã Chương Dương") in pages[0]
    assert squeeze("Số liệu đến ngày 30/06/2018; hạn nộp 15/07/2018") in pages[0]
    # collected: the two receipts not voided and the one the day after; spent: two payouts
    assert squeeze("Đã vận động 6.350.000 đ") in text
    assert squeeze("9. Tổng số tiền đã chi: 300.000 đ") in text
    assert squeeze("Người lập biểu") in pages[-1]
    assert all(squeeze(signer) in pages[-1] for signer in SIGNERS)
    assert pages[-1].endswith(f"Trang{len(pages)}/{len(pages)}")


def test_the_period_report_pdf_is_scoped(client, a_day, two_districts, session, make_user, login):
    period = _period_of(session, a_day.unit_id)
    make_user("duyet.px", "reviewer", "PX")  # another district
    login("duyet.px")
    assert client.get(f"/campaigns/{period.campaign_id}/reports/{period.id}.pdf").status_code == 404


def _in_order(rendering: str, texts) -> bool:
    """Whether each of ``texts`` appears in ``rendering`` after the one before it."""
    at = 0
    for text in texts:
        at = rendering.find(squeeze(text), at)
        if at < 0:
            return False
        at += len(squeeze(text))
    return True


def test_the_pdf_voucher_reads_as_the_screen_voucher_in_the_same_order(client, a_day, session):
    """Cash receipt, bank receipt, payment voucher: the body, the dated line above the approvals,
    "Đã nhận đủ số tiền" (cash only), the dated line above the counter-signatures, in the same
    order on screen and in the PDF."""
    from ledger.exports.vouchers import disbursement_voucher, receipt_voucher
    from ledger.models import Disbursement, Receipt, Unit
    from ledger.services.settings import voucher_settings
    from tests.test_vouchers import pdf_text

    fund = session.get(Unit, a_day.unit_id)
    settings = voucher_settings(session, date(2018, 5, 15))
    cash, bank = (session.exec(select_number(Receipt, fund.id, number)).one() for number in (1, 3))
    paid = session.exec(select_number(Disbursement, fund.id, 1)).one()
    cases = [
        (f"/receipts/{cash.id}", receipt_voucher(cash, fund=fund, settings=settings)),
        (f"/receipts/{bank.id}", receipt_voucher(bank, fund=fund, settings=settings)),
        (f"/disbursements/{paid.id}", disbursement_voucher(paid, fund=fund, settings=settings)),
    ]
    for url, voucher in cases:
        screen = squeeze(client.get(url).text.split('id="voucher"')[1])
        pdf = pdf_text(client.get(f"{url}/voucher.pdf").data)
        order = [
            voucher.title,
            voucher.date_line,
            voucher.number,
            *(line.text for line in voucher.lines),
            voucher.approvals_date,
            *(s.role for s in voucher.approvals),
            *voucher.received,
            voucher.signed_date,
            *(s.role for s in voucher.signatures),
        ]
        order = [text for text in order if text]
        assert _in_order(screen, order) and _in_order(pdf, order), url
        for text in (*voucher.unit_lines, *voucher.book_lines):  # "Quỹ:", "Nợ:", "Có:"
            assert squeeze(text) in screen and squeeze(text) in pdf
        cash_counted = squeeze("Đã nhận đủ số tiền") in pdf
        assert cash_counted == (voucher.variant != "bank") == (squeeze("Nợ:") in pdf)


def select_number(model, fund_id: int, number: int):
    from sqlmodel import select

    return select(model).where(model.unit_id == fund_id, model.number == number)
