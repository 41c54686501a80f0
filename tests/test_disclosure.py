"""The yearly public disclosure (công khai thu chi, NĐ 03/2026/NĐ-CP) and the honour roll (Bảng
vàng ghi nhận) of a fund's public pages: figures reconcile with the journal and the fund's
books, donors are named only where they agreed, anonymous donors and children never."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from ledger.models import Category
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.books import read_book
from ledger.services.disbursements import DisbursementInput, draft_disbursement, pay_disbursement
from ledger.services.disclosure import yearly_disclosure
from ledger.services.donors import create_donor
from ledger.services.honour_roll import honour_roll
from ledger.services.receipts import void_receipt
from ledger.services.transfers import send_transfer
from ledger.services.units import find_unit
from ledger.views import vietqr as vietqr_view

CHILD = "Lê Văn Canarychild"
HIDDEN = ("Canarynoconsent", "Canaryanonymous", "Canarypayer", CHILD)


def _donor(session, fund, name, *, consent=False, anonymous=False, merged_into=None):
    donor = create_donor(session, unit_id=fund.id, name=name, anonymous=anonymous)
    donor.public_consent = consent
    donor.merged_into_id = merged_into.id if merged_into else None
    session.add(donor)
    session.flush()
    return donor


def _category(session, code):
    return session.exec(select(Category).where(Category.code == code)).one()


def _paid(session, fund, on, **fields):
    item = draft_disbursement(
        session,
        unit_id=fund.id,
        data=DisbursementInput(disbursement_date=on, payee_name="Người nhận", **fields),
    )
    item.status = "approved"
    return pay_disbursement(session, disbursement_id=item.id, on=on)


@pytest.fixture
def year_2018(session, make_receipt):
    """Chương Dương's 2018: named, merged, unnamed, anonymous and voucher-only gifts, a budget
    grant, a voided gift, a heart operation, a Tết group gift and a remittance upward."""
    fund = find_unit(session, "TT-CHUONGDUONG")
    school = _donor(session, fund, "Trường THCS Chương Dương", consent=True)
    duplicate = _donor(session, fund, "truong thcs chuong duong", merged_into=school)
    firm = _donor(session, fund, "Công ty May Hồng Hà", consent=True)
    quiet = _donor(session, fund, "Ông Canarynoconsent")
    hidden = _donor(session, fund, "Bà Canaryanonymous", anonymous=True)
    make_receipt(amount=3_000_000, on=date(2018, 1, 10), donor_id=school.id)
    make_receipt(amount=500_000, on=date(2018, 6, 1), donor_id=duplicate.id)
    make_receipt(amount=1_000_000, on=date(2018, 6, 2), donor_id=school.id)
    make_receipt(amount=5_000_000, on=date(2018, 6, 3), donor_id=firm.id)
    make_receipt(amount=700_000, on=date(2018, 6, 4), donor_id=quiet.id)
    make_receipt(amount=2_000_000, on=date(2018, 6, 5), donor_id=hidden.id)
    make_receipt(amount=300_000, on=date(2018, 6, 6), payer_name="Canarypayer")
    make_receipt(amount=10_000_000, on=date(2018, 3, 1), source="budget", payer_name="UBND xã")
    voided = make_receipt(amount=999_000, on=date(2018, 6, 7), donor_id=firm.id)
    void_receipt(session, receipt_id=voided.id, reason="Ghi nhầm")
    child = create_beneficiary(
        session,
        unit_id=fund.id,
        data=BeneficiaryInput(full_name=CHILD, birth_date=date(2012, 5, 6), sex="male"),
    )
    heart = _category(session, "heart_surgery").id
    _paid(
        session,
        fund,
        date(2018, 6, 10),
        category_id=heart,
        beneficiary_id=child.id,
        amount=3_000_000,
    )
    _paid(
        session,
        fund,
        date(2018, 6, 11),
        category_id=heart,
        beneficiary_id=child.id,
        amount=1_000_000,
    )
    tet = _category(session, "gift_tet").id
    _paid(session, fund, date(2018, 6, 12), category_id=tet, children_count=10, amount_each=100_000)
    district = find_unit(session, "TT")
    send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=district.id,
        amount=2_000_000,
        on=date(2018, 6, 20),
        from_method="cash",
        to_method="cash",
    )
    session.commit()
    return fund


def test_the_disclosure_reconciles_with_the_journal_and_the_books(session, year_2018):
    d = yearly_disclosure(session, unit_id=year_2018.id, year=2018)
    assert d.opening == 0
    assert (
        d.received
        == 3_000_000 + 500_000 + 1_000_000 + 5_000_000 + 700_000 + 2_000_000 + 300_000 + 10_000_000
    )
    assert d.gifts == d.received - 10_000_000
    sources = {s.source: s for s in d.sources}
    assert sources["budget"].months[2] == 10_000_000
    assert sources["donation"].months[0] == 3_000_000
    assert sources["donation"].months[5] == 9_500_000  # June, the voided gift netted out
    assert d.spent == 5_000_000
    assert d.transfers == -2_000_000
    cash = read_book(
        session,
        unit_id=year_2018.id,
        kind="cash",
        date_from=date(2018, 1, 1),
        date_to=date(2018, 12, 31),
    )
    bank = read_book(
        session,
        unit_id=year_2018.id,
        kind="bank",
        date_from=date(2018, 1, 1),
        date_to=date(2018, 12, 31),
    )
    assert d.opening == cash.opening + bank.opening
    assert d.closing == cash.closing + bank.closing
    assert d.reconciles and d.opening + d.received - d.spent + d.transfers == d.closing


def test_spending_counts_payments_and_children_once_per_category(session, year_2018):
    d = yearly_disclosure(session, unit_id=year_2018.id, year=2018)
    lines = {s.code: s for s in d.spending}
    assert (lines["heart_surgery"].amount, lines["heart_surgery"].payments) == (4_000_000, 2)
    assert lines["heart_surgery"].children == 1  # the same child twice counts once
    assert (lines["gift_tet"].payments, lines["gift_tet"].children) == (1, 10)
    assert d.children == 11


def test_only_consenting_donors_are_named_the_rest_summed(session, year_2018):
    d = yearly_disclosure(session, unit_id=year_2018.id, year=2018)
    assert [(n.name, n.amount) for n in d.donors] == [
        ("Công ty May Hồng Hà", 5_000_000),  # the voided 999.000 đ does not count
        ("Trường THCS Chương Dương", 4_500_000),  # with its merged duplicate's gift
    ]
    assert d.others == 700_000 + 2_000_000 + 300_000
    assert d.named + d.others == d.gifts


def test_the_page_and_downloads_name_no_one_who_did_not_agree(client, year_2018):
    base = f"/public/units/{year_2018.id}/disclosure/2018"
    page = client.get(base)
    assert page.status_code == 200
    assert "Công ty May Hồng Hà" in page.text and "Các nhà hảo tâm khác" in page.text
    assert "3.000.000 đ" in page.text  # the nobody-named sum
    assert 'id="unreconciled"' not in page.text
    workbook = client.get(base + ".xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    text = client.get(base + ".csv")
    assert text.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(text.data.decode("utf-8-sig"))))
    for body in (page.text, " ".join(cells), text.data.decode()):
        for hidden in HIDDEN:
            assert hidden not in body
    named = {r[1]: r[14] for r in rows if r[0] == "Nhà hảo tâm"}
    assert named == {
        "Công ty May Hồng Hà": "5000000",
        "Trường THCS Chương Dương": "4500000",
        "Các nhà hảo tâm khác": "3000000",
    }
    closing = next(r for r in rows if r[0] == "Số dư cuối năm")
    assert int(closing[14]) == yearly_disclosure_closing(client, year_2018.id)


def yearly_disclosure_closing(client, unit_id):
    from ledger.db import get_session

    with client.application.app_context():
        return yearly_disclosure(get_session(), unit_id=unit_id, year=2018).closing


def test_formula_text_in_a_donors_name_stays_text(client, session, year_2018, make_receipt):
    evil = _donor(session, year_2018, '=HYPERLINK("http://x","Nhấn")', consent=True)
    make_receipt(amount=100_000, on=date(2018, 7, 1), donor_id=evil.id)
    session.commit()
    base = f"/public/units/{year_2018.id}/disclosure/2018"
    rows = list(csv.reader(io.StringIO(client.get(base + ".csv").data.decode("utf-8-sig"))))
    assert any(r[1].startswith("'=HYPERLINK") for r in rows)
    sheet = load_workbook(io.BytesIO(client.get(base + ".xlsx").data)).active
    cell = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s"


@pytest.mark.parametrize(
    "path", ["disclosure/1999", "disclosure/2999", "disclosure/2999.xlsx", "honour/2999"]
)
def test_years_out_of_range_are_404(client, year_2018, path):
    assert client.get(f"/public/units/{year_2018.id}/{path}").status_code == 404


def test_an_unknown_fund_is_404(client):
    assert client.get("/public/units/999999/disclosure/2018").status_code == 404
    assert client.get("/public/units/999999/honour/2018").status_code == 404


def test_the_honour_roll_pages_past_fifty_names(client, session, make_receipt):
    fund = find_unit(session, "TT-DUNGTIEN")
    for i in range(60):
        donor = _donor(session, fund, f"Nhà hảo tâm số {i:02d}", consent=True)
        make_receipt(
            "TT-DUNGTIEN", amount=1_000_000 + i * 1_000, on=date(2018, 5, 1), donor_id=donor.id
        )
    quiet = _donor(session, fund, "Ông Canarynoconsent")
    make_receipt("TT-DUNGTIEN", amount=9_000_000, on=date(2018, 5, 1), donor_id=quiet.id)
    session.commit()
    first = client.get(f"/public/units/{fund.id}/honour/2018")
    assert first.status_code == 200
    assert first.text.index("Nhà hảo tâm số 59") < first.text.index("Nhà hảo tâm số 58")
    assert "Nhà hảo tâm số 10" in first.text and "Nhà hảo tâm số 09" not in first.text
    assert "Trang 1/2" in first.text
    second = client.get(f"/public/units/{fund.id}/honour/2018?page=2")
    assert "Nhà hảo tâm số 09" in second.text and "Nhà hảo tâm số 00" in second.text
    assert "Nhà hảo tâm số 10" not in second.text
    for body in (first.text, second.text):
        assert "Canarynoconsent" not in body
    assert len(honour_roll(session, unit_id=fund.id, year=2018)) == 60
    # the disclosure page lists the first hundred and links the roll for the rest
    page = client.get(f"/public/units/{fund.id}/disclosure/2018")
    assert "Nhà hảo tâm số 00" in page.text


class _In2018(date):
    @classmethod
    def today(cls):
        return date(2018, 12, 31)


def test_the_funds_public_page_shows_the_honour_roll(client, year_2018, monkeypatch):
    monkeypatch.setattr(vietqr_view, "date", _In2018)
    page = client.get(f"/public/units/{year_2018.id}")
    assert page.status_code == 200
    roll = page.text[page.text.index('id="honour"') :]
    assert roll.index("Công ty May Hồng Hà") < roll.index("Trường THCS Chương Dương")
    for hidden in HIDDEN:
        assert hidden not in page.text
    assert f"/public/units/{year_2018.id}/lookup" in page.text
    assert f"/public/units/{year_2018.id}/disclosure/2017" in page.text
