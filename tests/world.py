"""The demo world the crawl and the fuzzer walk: ``flask seed --demo`` plus one of everything.

Demo users and a year of receipts in every commune (so a district's list has many pages), a
commune with 120 more receipts, a voided receipt, a child, disbursements in every status
(the paid one in a category named with ``$…$``), transfers pending and received, a lock.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from sqlalchemy import select

from ledger.models import ApiToken, Category, User
from ledger.services import demo
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.categories import create_category
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
    reject_disbursement,
)
from ledger.services.locks import lock_period
from ledger.services.receipts import ReceiptInput, record_receipts, void_receipt
from ledger.services.tokens import issue_token
from ledger.services.transfers import receive_transfer, send_transfer
from ledger.services.units import find_unit

PASSWORD = demo.DEMO_PASSWORD
BIG_COMMUNE = "TT-DUNGTIEN"


def build_world(session, *, demo_receipts: bool = True) -> dict:
    """Seed the demo and one object of each kind; returns the ids the tests aim at."""
    demo.seed_demo_users(session)
    if demo_receipts:
        demo.seed_demo_receipts(session)
    users = {u.username: u for u in session.exec(select(User)).scalars()}
    big, commune = find_unit(session, BIG_COMMUNE), find_unit(session, "TT-CHUONGDUONG")
    district = find_unit(session, "TT")
    ids = record_receipts(
        session,
        unit_id=big.id,
        user_id=users["treasurer.dungtien"].id,
        items=[
            ReceiptInput(
                receipt_date=date(2018, 3, 1 + n % 28),
                amount=100_000 + n,
                payer_name=f"Nhà hảo tâm {n}",
                method="cash" if n % 3 else "bank",
            )
            for n in range(120)
        ],
    )
    record_receipts(
        session,
        unit_id=commune.id,
        items=[
            ReceiptInput(
                receipt_date=date(2018, 2, 10), amount=5_000_000, payer_name="Hội Phụ nữ xã"
            )
        ],
    )
    void_receipt(
        session,
        receipt_id=ids[0],
        reason="Ghi nhầm",
        on=date(2018, 3, 2),
        user_id=users["treasurer.dungtien"].id,
    )
    odd = create_category(
        session,
        code="odd_chart",
        name_vi="Chi $x^$ {thử}",
        name_en="Odd $\\frac{",
        is_management=False,
    )
    child = create_beneficiary(
        session,
        unit_id=commune.id,
        data=BeneficiaryInput(
            full_name="Nguyễn Văn An",
            birth_date=date(2012, 5, 1),
            sex="male",
            consent_by="Nguyễn Văn Bố",
            consent_on=date(2018, 1, 5),
            groups=("poor_household",),
        ),
    )
    category = session.exec(select(Category).where(Category.code == "heart_surgery")).scalar_one()
    treasurer, reviewer = users["treasurer.chuongduong"], users["reviewer.thuongtin"]

    def draft(amount, category_id=category.id, **fields):
        return draft_disbursement(
            session,
            unit_id=commune.id,
            user_id=treasurer.id,
            data=DisbursementInput(
                disbursement_date=date(2018, 6, 1),
                category_id=category_id,
                payee_name="Nguyễn Văn Bố",
                amount=amount,
                reason="Hỗ trợ",
                **fields,
            ),
        )

    decide = {"user_id": reviewer.id, "role": "reviewer", "user_unit_id": district.id}
    drafted = draft(200_000, beneficiary_id=child.id)
    approved = draft(150_000)
    approve_disbursement(session, disbursement_id=approved.id, **decide)
    paid = draft(100_000, category_id=odd.id)
    approve_disbursement(session, disbursement_id=paid.id, **decide)
    pay_disbursement(session, disbursement_id=paid.id, on=date(2018, 6, 2), user_id=treasurer.id)
    rejected = draft(120_000)
    reject_disbursement(session, disbursement_id=rejected.id, comment="Thiếu hồ sơ", **decide)
    pending = send_transfer(
        session,
        from_unit_id=commune.id,
        to_unit_id=district.id,
        amount=50_000,
        on=date(2018, 7, 1),
        from_method="cash",
        to_method="bank",
        user_id=treasurer.id,
    )
    done = send_transfer(
        session,
        from_unit_id=commune.id,
        to_unit_id=district.id,
        amount=40_000,
        on=date(2018, 7, 1),
        from_method="cash",
        to_method="bank",
        user_id=treasurer.id,
    )
    receive_transfer(
        session,
        transfer_id=done.id,
        amount=40_000,
        on=date(2018, 7, 1),
        reason="",
        user_id=users["treasurer.thuongtin"].id,
    )
    lock_period(session, unit_id=commune.id, through=date(2018, 1, 31), user_id=reviewer.id)
    issue_token(session, user_id=treasurer.id, name="bảng tính xã")
    session.commit()
    return {
        "receipt": ids[1],
        "voided_receipt": ids[0],
        "child": child.id,
        "draft": drafted.id,
        "approved": approved.id,
        "paid": paid.id,
        "rejected": rejected.id,
        "transfer": pending.id,
        "received_transfer": done.id,
        "commune": commune.id,
        "big_commune": big.id,
        "district": district.id,
        "token": session.exec(select(ApiToken.id).where(ApiToken.user_id == treasurer.id))
        .scalars()
        .first(),
        "users": sorted(users),
    }


def sign_in(client, username: str, password: str = PASSWORD) -> None:
    """Sign ``client`` in through the form."""
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
    response = client.post(
        "/auth/login",
        data={
            "csrf_token": unescape(token.group(1)) if token else "",
            "username": username,
            "password": password,
        },
    )
    assert response.status_code == 302, username
