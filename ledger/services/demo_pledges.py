"""Pledges in the 2026 demo (cam kết ủng hộ): at the new xã Chương Dương, a school's pledge to
the Tháng hành động drive left unpaid past its due date, an enterprise's pledge to the yearly
campaign paid in part, and a cooperative's paid in full. Running it twice changes nothing.

Kept apart from ``demo_2026`` so a database seeded with the older demo years can still be
downgraded below migration 0019 (its downgrade refuses to drop pledges)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import Pledge, Unit
from .campaigns import find_campaign
from .demo_2026 import CITY, DRIVE, YEARLY
from .donors import find_or_create_donor
from .pledges import PledgeInput, create_pledge, settle_pledge
from .receipts import ReceiptInput, record_receipt

FUND = "HN-CHUONGDUONG"
#: (donor, kind, campaign code, amount, pledged on, due on, paid so far, paid on)
PLEDGES = (
    ("Trường Tiểu học Chương Dương", "school", DRIVE[0], 2_000_000, date(2026, 5, 20),
     date(2026, 6, 30), 0, None),
    ("Công ty TNHH May Thường Tín", "enterprise", YEARLY[0], 10_000_000, date(2026, 3, 2),
     date(2026, 12, 31), 4_000_000, date(2026, 4, 15)),
    ("Hợp tác xã Nông nghiệp Chương Dương", "organisation", YEARLY[0], 3_000_000,
     date(2026, 2, 10), date(2026, 5, 31), 3_000_000, date(2026, 5, 25)),
)  # fmt: skip


def seed_demo_pledges(session: Session, *, today: date | None = None) -> int:
    """The demo's pledges up to ``today`` (those made later are left out); how many were
    added (0 when the 2026 demo is not there or the pledges already are)."""
    today = today or date.today()
    fund = session.exec(select(Unit).where(Unit.code == FUND)).first()
    city = session.exec(select(Unit).where(Unit.code == CITY)).first()
    if fund is None or city is None or _has_pledges(session, fund.id):
        return 0
    added = 0
    for name, kind, code, amount, pledged_on, due_on, paid, paid_on in PLEDGES:
        campaign = find_campaign(session, unit_id=city.id, code=code)
        if campaign is None or pledged_on > today:
            continue
        donor = find_or_create_donor(session, unit_id=fund.id, name=name, kind=kind)
        pledge = create_pledge(
            session,
            unit_id=fund.id,
            data=PledgeInput(donor.id, amount, pledged_on, due_on, campaign_id=campaign.id),
        )
        added += 1
        if paid and paid_on is not None and paid_on <= today:
            receipt = record_receipt(
                session,
                unit_id=fund.id,
                data=ReceiptInput(
                    receipt_date=paid_on,
                    amount=paid,
                    donor_id=donor.id,
                    payer_name=name,
                    method="bank",
                    reason=f"Thực hiện cam kết ủng hộ ngày {pledged_on:%d/%m/%Y} ({campaign.name})",
                    book_no="01",
                ),
            )
            settle_pledge(session, pledge_id=pledge.id, receipt_id=receipt.id)
    return added


def _has_pledges(session: Session, unit_id: int) -> bool:
    return bool(
        session.exec(select(func.count(col(Pledge.id))).where(Pledge.unit_id == unit_id)).one()
    )
