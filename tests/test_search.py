"""The lists' search box: accents and case optional, a voucher number found exactly, the same
on SQLite and PostgreSQL (run this file with LEDGER_TEST_DATABASE_URL for the latter)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from ledger.models import Category, Receipt
from ledger.services.disbursements import (
    DisbursementFilter,
    DisbursementInput,
    disbursements_page,
    draft_disbursement,
)
from ledger.services.donors import create_donor
from ledger.services.receipts import ReceiptFilter, list_receipts
from ledger.services.transfers import list_transfers, send_transfer
from ledger.services.units import find_unit


def _found(session, fund, text: str) -> list[str]:
    rows = list_receipts(session, unit_ids={fund.id}, flt=ReceiptFilter(donor=text)).rows
    return sorted(r.payer_name for r in rows)


def test_receipts_are_found_without_accents_by_payer_reason_donor_and_number(
    session, make_receipt, unit
):
    fund = unit("TT-CHUONGDUONG")
    make_receipt(payer_name="Nguyễn Văn An", reason="Ủng hộ Tết Trung thu")
    make_receipt(payer_name="NGUYỄN THỊ BÍCH")
    make_receipt(payer_name="Trường Tiểu học Chương Dương", reason="Quyên góp 100% lớp 5_A")
    donor = create_donor(session, unit_id=fund.id, name="Đỗ Đức Đạt")
    make_receipt(payer_name="Anh Đạt (người nhà nộp hộ)", donor_id=donor.id)
    session.flush()

    assert _found(session, fund, "nguyen") == ["NGUYỄN THỊ BÍCH", "Nguyễn Văn An"]
    assert _found(session, fund, "Nguyễn") == ["NGUYỄN THỊ BÍCH", "Nguyễn Văn An"]
    assert _found(session, fund, "chuong duong") == ["Trường Tiểu học Chương Dương"]
    assert _found(session, fund, "trung thu") == ["Nguyễn Văn An"]
    assert _found(session, fund, "do duc dat") == ["Anh Đạt (người nhà nộp hộ)"]
    assert _found(session, fund, "100%") == ["Trường Tiểu học Chương Dương"]
    assert _found(session, fund, "5_a") == ["Trường Tiểu học Chương Dương"]
    assert _found(session, fund, "100_") == []  # % and _ are letters, not wildcards
    assert _found(session, fund, "không có ai") == []

    numbered = session.exec(
        select(Receipt).where(Receipt.unit_id == fund.id).order_by(Receipt.number)
    ).all()
    second = numbered[1]
    assert _found(session, fund, str(second.number)) == [second.payer_name]
    assert _found(session, fund, f"{second.number}/{second.year}") == [second.payer_name]
    assert _found(session, fund, f"{second.number}/{second.year + 1}") == []


def test_an_edited_receipt_is_found_by_its_new_text(session, make_receipt, unit):
    fund = unit("TT-CHUONGDUONG")
    receipt = make_receipt(payer_name="Lê Văn Cũ")
    session.flush()
    receipt.payer_name = "Hoàng Thị Mới"
    session.flush()
    assert _found(session, fund, "hoang thi moi") == ["Hoàng Thị Mới"]
    assert _found(session, fund, "le van cu") == []


def test_disbursements_are_found_without_accents_by_payee_reason_and_number(
    session, make_receipt, unit
):
    fund = unit("TT-CHUONGDUONG")
    make_receipt(amount=10_000_000, on=date(2018, 1, 5))
    heart = session.exec(select(Category).where(Category.code == "heart_surgery")).one()
    for payee, reason in (
        ("Trần Thị Mẹ", "Hỗ trợ phẫu thuật tim"),
        ("Phạm Văn Bố", "Học bổng Chương Dương"),
    ):
        draft_disbursement(
            session,
            unit_id=fund.id,
            data=DisbursementInput(
                disbursement_date=date(2018, 6, 1),
                payee_name=payee,
                reason=reason,
                category_id=heart.id,
                amount=500_000,
            ),
        )
    session.flush()

    def found(text: str) -> list[str]:
        page = disbursements_page(
            session, unit_ids={fund.id}, flt=DisbursementFilter(text=text)
        ).page
        return sorted(d.payee_name for d, _category in page.rows)

    assert found("tran thi me") == ["Trần Thị Mẹ"]
    assert found("PHAU THUAT") == ["Trần Thị Mẹ"]
    assert found("chuong duong") == ["Phạm Văn Bố"]
    assert found("") == ["Phạm Văn Bố", "Trần Thị Mẹ"]
    assert found("17") == []  # drafts have no number yet


def test_transfers_are_found_without_accents_by_memo(session, funded):
    commune, district = funded["fund"], find_unit(session, "TT")
    for memo in ("Nộp về huyện đợt Tết", "Chuyển tiền Trung thu"):
        send_transfer(
            session,
            from_unit_id=commune.id,
            to_unit_id=district.id,
            amount=1_000_000,
            on=date(2018, 7, 1),
            from_method="cash",
            to_method="bank",
            memo=memo,
        )
    session.flush()

    def found(text: str) -> list[str]:
        rows = list_transfers(session, unit_ids={commune.id}, text=text).page.rows
        return sorted(t.memo for t in rows)

    assert found("nop ve huyen") == ["Nộp về huyện đợt Tết"]
    assert found("TRUNG THU") == ["Chuyển tiền Trung thu"]
    assert len(found("")) == 2


def test_a_search_pages_past_the_first_page(session, make_receipt, unit):
    fund = unit("TT-CHUONGDUONG")
    for n in range(7):
        make_receipt(payer_name=f"Nguyễn Văn Số {n}")
        make_receipt(payer_name=f"Lê Thị {n}")
    session.flush()

    def page(number: int) -> list[str]:
        found = list_receipts(
            session, unit_ids={fund.id}, flt=ReceiptFilter(donor="NGUYEN"), page=number, per_page=5
        )
        assert found.total == 7_000_000
        return [r.payer_name for r in found.rows]

    first, second = page(1), page(2)
    assert len(first) == 5 and len(second) == 2
    assert sorted(first + second) == sorted(f"Nguyễn Văn Số {n}" for n in range(7))
