"""The demo after 2018, up to the two-tier structure: receipts in Thường Tín's 29 communes in
the first half of 2025 (so "cùng kỳ năm trước" for 2026 has figures), then the reorganisation
of 01/07/2025 (``seed/reorganisation_2025.csv``) that hands their funds to the 4 new xã.

Demo users of the old communes keep their units (so the 2018 year can still be walked
through); they are told at sign-in where their commune went.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import Receipt, Unit
from ..spreadsheets import read_table
from .donors import find_or_create_donor
from .receipts import ReceiptInput, record_receipt
from .reorganisation import reorganise
from .seed import SEED_DIR
from .units import find_unit

REORGANISATION_FILE = "reorganisation_2025.csv"
FIRST_HALF = (date(2025, 1, 1), date(2025, 6, 30))


def seed_demo_2025(
    session: Session, *, district_code: str = "TT", seed_dir: Path = SEED_DIR
) -> dict[str, int]:
    """The first half of 2025, then the reorganisation (each step skipped once done)."""
    receipts = seed_first_half_2025(session, district_code=district_code)
    result = apply_demo_reorganisation(session, seed_dir=seed_dir)
    return {"receipts_2025": receipts, "reorganised": len(result.moves)}


def seed_first_half_2025(session: Session, *, district_code: str = "TT", seed: int = 2025) -> int:
    """3–6 receipts in each of the district's communes, Jan–Jun 2025 (once)."""
    district = find_unit(session, district_code)
    communes = session.exec(
        select(Unit).where(Unit.parent_id == district.id).order_by(col(Unit.id))
    ).all()
    start, end = FIRST_HALF
    done = session.exec(
        select(func.count(col(Receipt.id))).where(
            col(Receipt.unit_id).in_([c.id for c in communes]), Receipt.receipt_date >= start
        )
    ).one()
    if done:
        return 0
    rng = random.Random(seed)
    count = 0
    for commune in communes:
        place = commune.name.split(" ", 1)[-1]
        days = sorted(
            start + timedelta(days=rng.randrange((end - start).days + 1))
            for _ in range(rng.randrange(3, 7))
        )
        for day in days:
            name, kind = (
                (f"Hội Phụ nữ xã {place}", "organisation")
                if rng.random() < 0.3
                else (f"Nguyễn Văn {rng.choice(['An', 'Bình', 'Cường'])}", "individual")
            )
            donor = find_or_create_donor(session, unit_id=commune.id, name=name, kind=kind)
            record_receipt(
                session,
                unit_id=commune.id,
                data=ReceiptInput(
                    receipt_date=day,
                    amount=rng.randrange(2, 41) * 50_000,
                    donor_id=donor.id,
                    method="cash",
                    reason="Ủng hộ Quỹ Bảo trợ trẻ em năm 2025",
                    book_no="01",
                ),
            )
            count += 1
    return count


def apply_demo_reorganisation(session: Session, *, seed_dir: Path = SEED_DIR):
    """Apply ``seed/reorganisation_2025.csv`` (already-applied old units are skipped)."""
    path = seed_dir / REORGANISATION_FILE
    return reorganise(session, table=read_table(path.name, path.read_bytes()), move_users=False)
