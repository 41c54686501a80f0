"""The demo's receipt batches: a thôn's round of envelopes in xã Thường Tín, typed as a batch."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from ..models import ReceiptBatch, Unit, User
from .batches import BatchHeader, BatchLine, post_batch

#: (payer, amount) of the envelopes of thôn Văn Hội's first round
ENVELOPES = (
    ("Nguyễn Văn Bình", 200_000),
    ("Trần Thị Hoa", 100_000),
    ("Lê Văn Tám", 500_000),
    ("Phạm Thị Nga", 200_000),
    ("Hộ ông Đỗ Văn Lực", 300_000),
    ("Vũ Thị Thu", 100_000),
    ("Bùi Văn Khánh", 200_000),
    ("Ngô Thị Lan", 150_000),
    ("Đặng Văn Hùng", 250_000),
    ("Hoàng Thị Yến", 100_000),
)


def seed_demo_batches(session: Session, *, today: date | None = None) -> int:
    """One batch of ten envelopes in xã Thường Tín dated ``today`` (skipped once any batch
    exists, or before the two-tier units are there)."""
    fund = session.exec(select(Unit).where(Unit.code == "HN-THUONGTIN")).first()
    if fund is None or session.exec(select(ReceiptBatch.id)).first() is not None:
        return 0
    treasurer = session.exec(select(User).where(User.username == "treasurer.xathuongtin")).first()
    post_batch(
        session,
        unit_id=fund.id,
        header=BatchHeader(
            name="Thôn Văn Hội — đợt 1",
            receipt_date=today or date.today(),
            expected_count=len(ENVELOPES),
            expected_total=sum(amount for _name, amount in ENVELOPES),
            book_no="02",
        ),
        lines=[
            BatchLine(payer_name=name, amount=str(amount), address="Thôn Văn Hội, xã Thường Tín")
            for name, amount in ENVELOPES
        ],
        user_id=treasurer.id if treasurer else None,
    )
    return 1
