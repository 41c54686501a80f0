"""The demo's goods: an enterprise gives Chương Dương noodles for Tết 2019 in December 2018, and
25 of the 40 boxes go to a primary school's children, drafted, approved and handed out (the
Sổ hàng hiện vật, the in-kind record, the thank-you letter and the certificate have data)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from ..models import Category, Disbursement, User
from ..vocab import Method
from .disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
)
from .donors import find_or_create_donor
from .receipts import ReceiptInput, record_receipt
from .units import find_unit

GOODS = "Mì ăn liền Hảo Hảo (thùng 30 gói)"


def seed_demo_goods(session: Session) -> int:
    """The gift and the hand-out (skipped once the fund has any payout of goods)."""
    fund = find_unit(session, "TT-CHUONGDUONG")
    if session.exec(
        select(Disbursement.id).where(
            Disbursement.unit_id == fund.id, Disbursement.method == Method.IN_KIND.value
        )
    ).first():
        return 0
    users = {u.username: u for u in session.exec(select(User)).all()}
    treasurer, reviewer = users["treasurer.chuongduong"], users["reviewer.thuongtin"]
    donor = find_or_create_donor(
        session, unit_id=fund.id, name="Công ty CP Thực phẩm Minh Phát", kind="enterprise"
    )
    record_receipt(
        session,
        unit_id=fund.id,
        user_id=treasurer.id,
        data=ReceiptInput(
            receipt_date=date(2018, 12, 20),
            amount=40 * 120_000,
            method=Method.IN_KIND.value,
            donor_id=donor.id,
            in_kind_description=GOODS,
            goods_unit="thùng",
            quantity_milli=40_000,
            unit_value=120_000,
            reason="Ủng hộ quà Tết cho trẻ em có hoàn cảnh khó khăn",
            book_no="01",
        ),
    )
    gift = session.exec(select(Category).where(col(Category.code) == "gift_tet")).one()
    item = draft_disbursement(
        session,
        unit_id=fund.id,
        user_id=treasurer.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 12, 27),
            category_id=gift.id,
            payee_name="Trường Tiểu học Chương Dương",
            reason="Quà Tết Kỷ Hợi cho 25 học sinh có hoàn cảnh khó khăn",
            method=Method.IN_KIND.value,
            goods_name=GOODS,
            goods_unit="thùng",
            quantity_milli=25_000,
            unit_value=120_000,
        ),
    )
    approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=reviewer.id,
        role=reviewer.role,
        user_unit_id=reviewer.unit_id,
    )
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 12, 28), user_id=treasurer.id)
    return 1
