"""The demo goes on to today: Hà Nội's 2026 campaign for the 4 new xã of the former Thường Tín
district (after the 2025 reorganisation), a Tháng hành động drive, and receipts and a few payouts
from 01/07/2025 up to the day the demo is loaded. Running it twice changes nothing."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import LedgerError
from ..models import Category, Disbursement, Receipt, Unit, User
from .calendars import apply_template
from .campaigns import create_campaign, find_campaign, set_quota
from .children import set_children_targets
from .demo import _donor, _split
from .disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
)
from .donors import find_or_create_donor
from .receipts import ReceiptInput, record_receipt

CITY = "HN"
#: the 4 xã formed on 01/07/2025 from Thường Tín's 29 communes, with their 2026 quotas
#: (yearly campaign, Tháng hành động drive)
NEW_COMMUNES = {
    "HN-THUONGTIN": (150_000_000, 30_000_000),
    "HN-THUONGPHUC": (120_000_000, 25_000_000),
    "HN-CHUONGDUONG": (120_000_000, 25_000_000),
    "HN-HONGVAN": (110_000_000, 20_000_000),
}
YEARLY = (
    "2026",
    "Vận động Quỹ Bảo trợ trẻ em năm 2026",
    450_000_000,
    date(2026, 1, 1),
    date(2026, 12, 31),
    "6-9-nam",
)
DRIVE = (
    "2026-THĐ",
    "Tháng hành động vì trẻ em năm 2026",
    90_000_000,
    date(2026, 6, 1),
    date(2026, 6, 30),
    "thang",
)
ACTIVITY_FROM = date(2025, 7, 1)
#: each campaign's targets of children helped, by category code (yearly campaign, drive)
CHILDREN_TARGETS = (
    {"heart_surgery": 2, "scholarship": 20, "gift_tet": 30, "gift_mid_autumn": 50},
    {"gift_june": 40},
)


def seed_demo_2026(session: Session, *, today: date | None = None, seed: int = 2026) -> dict:
    """The 2026 campaigns and the activity to ``today``; {} when the 4 xã are not there yet
    (the 2025 reorganisation step creates them)."""
    today = today or date.today()
    city = session.exec(select(Unit).where(Unit.code == CITY)).first()
    communes = session.exec(
        select(Unit).where(col(Unit.code).in_(NEW_COMMUNES)).order_by(col(Unit.id))
    ).all()
    if city is None or len(communes) != len(NEW_COMMUNES):
        return {}
    added = {"campaigns": 0, "receipts": 0, "payouts": 0}
    for index, spec in enumerate((YEARLY, DRIVE)):
        added["campaigns"] += _campaign(session, city, communes, spec, index)
    if not _has_activity(session, communes):
        rng = random.Random(seed)
        for commune in communes:
            added["receipts"] += _receipts(session, rng, commune, today)
        added["payouts"] += _payouts(session, rng, communes, city, today)
    return added


def _campaign(session, city: Unit, communes, spec, index: int) -> int:
    code, name, target, starts, ends, template = spec
    if find_campaign(session, unit_id=city.id, code=code) is not None:
        return 0
    campaign = create_campaign(
        session,
        unit_id=city.id,
        year=starts.year,
        code=code,
        name=name,
        target=target,
        starts_on=starts,
        ends_on=ends,
    )
    for commune in communes:
        set_quota(
            session,
            campaign_id=campaign.id,
            unit_id=commune.id,
            amount=NEW_COMMUNES[commune.code][index],
        )
    apply_template(session, campaign_id=campaign.id, template=template)
    categories = {c.code: c.id for c in session.exec(select(Category))}
    set_children_targets(
        session,
        campaign_id=campaign.id,
        typed={
            categories[code]: str(children)
            for code, children in CHILDREN_TARGETS[index].items()
            if code in categories
        },
    )
    return 1


def _has_activity(session, communes) -> bool:
    return bool(
        session.exec(
            select(func.count(col(Receipt.id))).where(
                col(Receipt.unit_id).in_([c.id for c in communes])
            )
        ).one()
    )


def _receipts(session, rng: random.Random, commune: Unit, today: date) -> int:
    """Receipts from 01/07/2025 to ``today``, busier in June (Tháng hành động) and at Tết,
    and one dated today, so a new user sees a live campaign."""
    start = max(ACTIVITY_FROM, commune.valid_from)
    span = (today - start).days
    if span < 0:
        return 0
    days = sorted({start + timedelta(days=rng.randrange(span + 1)) for _ in range(40)})
    days = [d for d in days if d < today] + [today]
    weights = [3 if d.month in (1, 2, 6) else 1 for d in days]
    total = sum(rng.randrange(2, 9) * 500_000 * w for w in weights)
    amounts = _split(rng, total, len(days))
    place = commune.name.split(" ", 1)[-1]
    for day, amount in zip(days, amounts, strict=False):
        name, kind = _donor(rng, place)
        donor = find_or_create_donor(session, unit_id=commune.id, name=name, kind=kind)
        donor.public_consent = kind == "organisation" and not donor.anonymous  # honour roll
        record_receipt(
            session,
            unit_id=commune.id,
            data=ReceiptInput(
                receipt_date=day,
                amount=amount,
                donor_id=donor.id,
                method="bank" if amount >= 2_000_000 and rng.random() < 0.5 else "cash",
                reason=f"Ủng hộ Quỹ Bảo trợ trẻ em năm {day.year}",
                book_no="01",
            ),
        )
    return len(days)


def _payouts(session, rng: random.Random, communes, city: Unit, today: date) -> int:
    """A few paid gifts and scholarships, approved by a reviewer of the city."""
    approver = session.exec(
        select(User)
        .where(User.unit_id == city.id, col(User.role).in_(("reviewer", "admin")))
        .order_by(col(User.role).desc(), col(User.id))
    ).first()
    categories = {c.code: c.id for c in session.exec(select(Category))}
    if approver is None or not categories:
        return 0
    plan = [
        (
            date(2025, 9, 25),
            "gift_mid_autumn",
            10,
            200_000,
            "Quà Trung thu cho trẻ em có hoàn cảnh khó khăn",
        ),
        (date(2026, 1, 20), "gift_tet", 5, 300_000, "Quà Tết cho trẻ em có hoàn cảnh đặc biệt"),
        (date(2026, 6, 1), "gift_june", 8, 250_000, "Quà 1/6 — Tháng hành động vì trẻ em"),
        (date(2026, 9, 5), "scholarship", 4, 500_000, "Học bổng năm học mới"),
    ]
    paid = 0
    for commune in communes:
        for day, category, count, each, reason in plan:
            if day >= today:
                continue
            item = draft_disbursement(
                session,
                unit_id=commune.id,
                data=DisbursementInput(
                    disbursement_date=day,
                    category_id=categories.get(category, next(iter(categories.values()))),
                    payee_name=f"Ban Bảo vệ trẻ em {commune.name}",
                    children_count=count,
                    amount_each=each,
                    reason=reason,
                ),
            )
            try:
                approve_disbursement(
                    session,
                    disbursement_id=item.id,
                    user_id=approver.id,
                    role=approver.role,
                    user_unit_id=city.id,
                )
                pay_disbursement(session, disbursement_id=item.id, on=day)
                paid += 1
            except LedgerError:  # a demo fund short of cash keeps its draft
                continue
    return paid


def demo_2026_summary(session: Session) -> list[str]:
    """Lines the seed command prints about the 2026 demo."""
    city = session.exec(select(Unit).where(Unit.code == CITY)).first()
    if city is None:
        return []
    found = [find_campaign(session, unit_id=city.id, code=c) for c in (YEARLY[0], DRIVE[0])]
    paid = session.exec(
        select(func.count(col(Disbursement.id))).where(
            Disbursement.status == "paid",
            col(Disbursement.unit_id).in_(select(Unit.id).where(col(Unit.code).in_(NEW_COMMUNES))),
        )
    ).one()
    return [
        f"{c.code}: {c.name} ({c.starts_on:%d/%m/%Y}–{c.ends_on:%d/%m/%Y})" for c in found if c
    ] + ([f"Demo payouts in the 4 xã: {paid}"] if found[0] else [])
