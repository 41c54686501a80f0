"""Demo mobilisation norms (định mức vận động) for Hà Nội's 2026 yearly campaign: one day's
salary of officials (as an average amount per head), 10.000 đ per pupil, 20.000 đ per household,
poor households exempt, and each of the 4 xã's heads, so the page, the report, the API and the
workbook show the bottom-up check beside the quotas. The figures are illustrative: the seed
documents set the targets and quotas (200.000.000 đ, 29 × 10.000.000 đ), not per-head norms."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ..models import MobilisationNorm, Unit
from ..vocab import PayerKind
from .campaigns import find_campaign
from .norms import Count, set_counts

CITY, CODE = "HN", "2026"
#: kind → (amount per head, note)
NORMS = {
    PayerKind.OFFICIAL: (250_000, "1 ngày lương, bình quân mỗi người (minh họa)"),
    PayerKind.PUPIL: (10_000, "10.000 đ mỗi học sinh (minh họa)"),
    PayerKind.HOUSEHOLD: (20_000, "20.000 đ mỗi hộ; hộ nghèo được miễn (minh họa)"),
}
#: xã → kind → (heads, exempt)
COUNTS = {
    "HN-THUONGTIN": {"official": (150, 0), "pupil": (4_200, 0), "household": (3_600, 150)},
    "HN-THUONGPHUC": {"official": (120, 0), "pupil": (3_500, 0), "household": (2_900, 120)},
    "HN-CHUONGDUONG": {"official": (110, 0), "pupil": (3_300, 0), "household": (3_100, 180)},
    "HN-HONGVAN": {"official": (100, 0), "pupil": (3_000, 0), "household": (2_800, 140)},
}


def seed_demo_norms(session: Session) -> int:
    """The 2026 campaign's norms and the 4 xã's counts; 0 when already there or when the 2026
    campaign is not (running it twice changes nothing). Returns the units counted."""
    city = session.exec(select(Unit).where(Unit.code == CITY)).first()
    campaign = find_campaign(session, unit_id=city.id, code=CODE) if city else None
    if campaign is None:
        return 0
    if session.exec(
        select(MobilisationNorm.id).where(MobilisationNorm.campaign_id == campaign.id)
    ).first():
        return 0
    for kind, (amount, note) in NORMS.items():
        session.add(
            MobilisationNorm(
                campaign_id=campaign.id, payer_kind=kind, amount_per_head=amount, note=note
            )
        )
    units = session.exec(select(Unit).where(col(Unit.code).in_(COUNTS))).all()
    counts = {u.id: {kind: Count(*pair) for kind, pair in COUNTS[u.code].items()} for u in units}
    return set_counts(session, campaign=campaign, counts=counts)
