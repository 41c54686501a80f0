"""What an adversarial review of the paperwork found, held shut: an anonymous donor's bank slip
stays with the fund that recorded the gift, a batch print counts the files as the single
voucher does, a CSV named by a code with "Đ" downloads, and money above the second-factor
limit is not redirected to a new payee by a correction without a new approval."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlmodel import select

from ledger.models import Disbursement
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.corrections import reissue_disbursement
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
)
from ledger.services.donors import create_donor
from ledger.services.settings import update_settings
from tests.conftest import PASSWORD, form_tokens
from tests.test_evidence import JPEG, PDF, _files, _upload


def _client_as(app, username: str):
    other = app.test_client()
    form = form_tokens(other.get("/auth/login").text)
    signed = other.post("/auth/login", data={"username": username, "password": PASSWORD, **form})
    assert signed.status_code == 302
    return other


def test_an_anonymous_donors_slip_is_read_only_by_the_fund_that_recorded_the_gift(
    app, client, session, login, funded, make_receipt, make_user
):
    fund = funded["fund"]
    donor = create_donor(session, unit_id=fund.id, name="Bà Kín Tiếng", anonymous=True)
    gift = make_receipt(amount=2_000_000, on=date(2018, 3, 2), donor_id=donor.id)
    session.commit()
    login("thuquy.a")
    page = f"/receipts/{gift.id}"
    assert _upload(client, page, JPEG, "UNC Bà Kín Tiếng.jpg").status_code == 302
    [row] = _files(session, gift.id)
    assert client.get(f"/evidence/{row.id}").data == JPEG  # the fund's own treasurer

    district = _client_as(app, "duyet.tt")  # in scope, but not the donor's fund
    voucher = district.get(page).text
    assert "Kín Tiếng" not in voucher and "nhà hảo tâm ẩn danh, ẩn" in voucher
    assert district.get(f"/evidence/{row.id}").status_code == 403
    tokens = form_tokens(voucher)
    removed = district.post(f"/evidence/{row.id}/remove", data={**tokens, "reason": "x"})
    assert removed.status_code == 403 and len(_files(session, gift.id)) == 1

    make_user("qt.tt", "admin", "TT")  # may write receipts, but not read this donor's papers
    admin = _client_as(app, "qt.tt")
    added = _upload(admin, page, JPEG, "them.jpg")
    assert added.status_code == 403 and len(_files(session, gift.id)) == 1


def test_a_batch_print_counts_the_attached_files_as_the_single_voucher(
    client, session, login, funded, make_receipt
):
    gift = make_receipt(amount=700_000, on=date(2018, 3, 9))
    session.commit()
    login("thuquy.a")
    assert _upload(client, f"/receipts/{gift.id}", JPEG, "bien-nhan.jpg").status_code == 302
    sheet = client.get(f"/print/receipts?unit={funded['fund'].id}&day=09/03/2018")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "Kèm theo: 1 chứng từ gốc." in text


def test_a_csv_named_by_a_code_with_vietnamese_letters_downloads(client, session, login, funded):
    fund = funded["fund"]
    fund.code = "TT-CHƯƠNGDƯƠNG-Đ"
    session.add(fund)
    session.commit()
    login("thuquy.a")
    book = client.get(f"/books/{fund.id}/cash.csv?from=01/01/2018&to=31/12/2018")
    assert book.status_code == 200 and book.data.startswith(b"\xef\xbb\xbf")
    assert "filename*=UTF-8''" in book.headers["Content-Disposition"]


def _paid(session, funded, amount: int) -> Disbursement:
    item = draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        user_id=funded["treasurer"].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            category_id=1,
            payee_name="Ông Sai Tên",
            amount=amount,
            reason="Hỗ trợ",
        ),
    )
    reviewer = funded["reviewer"]
    approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=reviewer.id,
        role="reviewer",
        user_unit_id=reviewer.unit_id,
    )
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 2))
    return item


def test_a_new_payee_above_the_second_factor_limit_goes_back_to_approval(
    session, funded, make_receipt
):
    make_receipt(amount=9_000_000, on=date(2018, 5, 1))
    update_settings(session, values={"second_factor_above": "1000000"})
    small, large = _paid(session, funded, 800_000), _paid(session, funded, 3_000_000)
    session.commit()
    for old in (small, large):
        reissue_disbursement(
            session,
            disbursement_id=old.id,
            data=DisbursementInput(
                disbursement_date=date(2018, 6, 3),
                category_id=1,
                payee_name="Ông Khác Hẳn",
                amount=old.amount,
                reason="Hỗ trợ",
            ),
            reason="Sai tên người nhận",
            user_id=funded["treasurer"].id,
            today=date(2018, 6, 3),
        )
    session.commit()
    fixed = {
        d.amount: d.status
        for d in session.exec(select(Disbursement).where(Disbursement.payee_name == "Ông Khác Hẳn"))
    }
    assert fixed == {800_000: "paid", 3_000_000: "draft"}  # at or below: kept; above: re-approve


def test_the_audit_log_names_neither_an_anonymous_donor_nor_a_child_through_a_file(
    app, client, session, login, funded, make_receipt, make_user
):
    """A file's name ("UNC Bà Kín Tiếng.jpg", "Giấy viện Lê Thị Canarytre.pdf") would say what
    the voucher hides: the audit log above the fund keeps its type, size and hash, not its name."""
    fund = funded["fund"]
    make_user("kiemtoan.tt", "auditor", "TT")
    donor = create_donor(session, unit_id=fund.id, name="Bà Kín Tiếng", anonymous=True)
    gift = make_receipt(amount=2_000_000, on=date(2018, 3, 2), donor_id=donor.id)
    child = create_beneficiary(
        session,
        unit_id=fund.id,
        data=BeneficiaryInput(
            full_name="Lê Thị Canarytre", birth_date=date(2012, 5, 1), sex="female"
        ),
    )
    payout = draft_disbursement(
        session,
        unit_id=fund.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 3, 8),
            category_id=1,
            payee_name="Mẹ của trẻ",
            amount=100_000,
            beneficiary_id=child.id,
        ),
    )
    plain = make_receipt(amount=500_000, on=date(2018, 3, 3))
    session.commit()
    login("thuquy.a")
    assert _upload(client, f"/receipts/{gift.id}", JPEG, "UNC Bà Kín Tiếng.jpg").status_code == 302
    assert _upload(client, f"/receipts/{plain.id}", JPEG, "bien-nhan-500k.jpg").status_code == 302
    url = f"/disbursements/{payout.id}"
    sent = _upload(client, url, PDF, "Giấy viện Lê Thị Canarytre.pdf", "disbursement", payout.id)
    assert sent.status_code == 302
    own = client.get(f"/evidence/{_files(session, gift.id)[0].id}")
    assert own.status_code == 200  # the fund's own treasurer still reads the slip

    auditor = _client_as(app, "kiemtoan.tt")
    log = auditor.get(f"/audit/?unit={fund.id}&action=evidence.attach").text
    assert "bien-nhan-500k.jpg" in log  # an ordinary file keeps its name
    assert "Kín Tiếng" not in log and "Canarytre" not in log
    assert log.count("(ẩn)") == 2
    sheet = auditor.get(f"/audit/audit.csv?unit={fund.id}").data.decode("utf-8-sig")
    assert "bien-nhan-500k.jpg" in sheet
    assert "Kín Tiếng" not in sheet and "Canarytre" not in sheet
