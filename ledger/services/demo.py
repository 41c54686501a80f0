"""The Thường Tín 2018 demo: users for each role and a realistic year of receipts."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import CashCount, Receipt, Unit, User, utcnow
from .cash_counts import DENOMINATIONS, CountInput, approve_count, book_balance, record_count
from .donors import find_or_create_donor
from .receipts import ReceiptInput, record_receipt
from .second_factor import enrol_known_secret
from .units import find_unit
from .users import create_user

DEMO_PASSWORD = "thuongtin2018"
#: the demo admin's second factor (public, like the password): add it to an authenticator app
DEMO_ADMIN_SECRET = "QUYBTTEDEMOADMINTHUONGTINHANOIXA"
DEMO_USERS = [
    # username, role, unit code, full name
    ("admin", "admin", "HN", "Quản trị hệ thống"),
    ("reviewer.thuongtin", "reviewer", "TT", "Nguyễn Thị Hòa (Phòng LĐTB&XH)"),
    ("auditor.thuongtin", "auditor", "TT", "Trần Văn Kiểm (Kiểm toán)"),
    ("treasurer.thuongtin", "treasurer", "TT", "Lê Thu Hà (Thủ quỹ huyện)"),
    ("treasurer.chuongduong", "treasurer", "TT-CHUONGDUONG", "Phạm Thị Lan (Thủ quỹ xã)"),
    ("treasurer.dungtien", "treasurer", "TT-DUNGTIEN", "Đỗ Văn Minh (Thủ quỹ xã)"),
    # the two-tier structure from 01/07/2025 (demo_2025.py)
    ("treasurer.xathuongtin", "treasurer", "HN-THUONGTIN", "Vũ Thị Hạnh (Thủ quỹ xã Thường Tín)"),
    ("reviewer.hanoi", "reviewer", "HN", "Ngô Quang Vinh (Sở Y tế Hà Nội)"),
]
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
_GIVEN = [
    "Văn An",
    "Thị Bình",
    "Văn Cường",
    "Thị Dung",
    "Minh Đức",
    "Thị Hoa",
    "Quang Huy",
    "Thị Lan",
    "Văn Long",
    "Thị Mai",
    "Đức Nam",
    "Thị Nga",
    "Văn Phúc",
    "Thu Trang",
]
_ORGS = [
    "Trường THCS {}",
    "Hội Phụ nữ xã {}",
    "Đoàn Thanh niên xã {}",
    "Công ty TNHH May {}",
    "Trạm Y tế xã {}",
    "Hợp tác xã Nông nghiệp {}",
    "Trường Tiểu học {}",
]
#: relative weight of each month: Tết (1–2) and Action Month (6) are the peaks
_MONTH_WEIGHTS = [9, 7, 3, 3, 5, 14, 4, 3, 5, 4, 3, 3]


def seed_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo logins that do not exist yet; returns (username, role, unit) for all."""
    existing = set(session.exec(select(User.username)).all())
    shown = []
    for username, role, code, full_name in DEMO_USERS:
        unit = find_unit(session, code)
        if username not in existing:
            create_user(
                session,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                unit_id=unit.id,
                full_name=full_name,
                can_unmask=role in ("reviewer", "treasurer"),
            )
        shown.append((username, role, unit.name))
    admin = session.exec(select(User).where(User.username == "admin")).one()
    enrol_known_secret(session, user_id=admin.id, secret=DEMO_ADMIN_SECRET, now=utcnow())
    return shown


def seed_demo_receipts(
    session: Session, *, district_code: str = "TT", year: int = 2018, seed: int = 2018
) -> int:
    """A year of receipts in each commune of the district (skipped if it already has some)."""
    district = find_unit(session, district_code)
    communes = session.exec(
        select(Unit).where(Unit.parent_id == district.id).order_by(col(Unit.id))
    ).all()
    ids = [c.id for c in communes] + [district.id]
    if session.exec(select(func.count(col(Receipt.id))).where(col(Receipt.unit_id).in_(ids))).one():
        return 0
    rng = random.Random(seed)
    count = 0
    for commune in communes:
        count += _commune_year(session, rng, commune, year)
    return count


def _commune_year(session: Session, rng: random.Random, commune: Unit, year: int) -> int:
    """Receipts for one commune reaching 55–140% of a 10.000.000 đ quota."""
    goal = rng.randrange(55, 141) * 100_000
    place = commune.name.split(" ", 1)[-1]
    dates = sorted(_random_date(rng, year) for _ in range(rng.randrange(12, 30)))
    amounts = _split(rng, goal, len(dates))
    for receipt_date, amount in zip(dates, amounts, strict=False):
        name, kind = _donor(rng, place)
        donor = find_or_create_donor(session, unit_id=commune.id, name=name, kind=kind)
        donor.public_consent = kind == "organisation" and not donor.anonymous  # honour roll
        record_receipt(
            session,
            unit_id=commune.id,
            data=ReceiptInput(
                receipt_date=receipt_date,
                amount=amount,
                donor_id=donor.id,
                method="bank" if amount >= 2_000_000 and rng.random() < 0.5 else "cash",
                reason=f"Ủng hộ Quỹ Bảo trợ trẻ em năm {year}",
                book_no="01",
            ),
        )
    return len(dates)


def _random_date(rng: random.Random, year: int) -> date:
    month = rng.choices(range(1, 13), weights=_MONTH_WEIGHTS)[0]
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``parts`` amounts in round 50.000 đ steps summing to ``total``."""
    steps = total // 50_000
    cuts = sorted(rng.sample(range(1, steps), parts - 1))
    bounds = [0, *cuts, steps]
    return [(b - a) * 50_000 for a, b in itertools.pairwise(bounds)]


def _donor(rng: random.Random, place: str) -> tuple[str, str]:
    if rng.random() < 0.3:
        return rng.choice(_ORGS).format(place), "organisation"
    return f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}", "individual"


# part: cashcount — the demo's cash counts
#: (commune, treasurer who counts, shortage in đồng) counted on 31/12/2018 with a witness
DEMO_COUNTS = (
    ("TT-CHUONGDUONG", "treasurer.chuongduong", 0),
    ("TT-DUNGTIEN", "treasurer.dungtien", 50_000),
)


def seed_demo_cash_counts(session: Session, *, on: date = date(2018, 12, 31)) -> int:
    """Year-end cash counts in two Thường Tín communes: one balanced, one 50.000 đ short with
    its reason, approved by the district's reviewer and posted (skipped once any exists)."""
    units = {code: find_unit(session, code) for code, _user, _short in DEMO_COUNTS}
    ids = [u.id for u in units.values()]
    if session.exec(select(CashCount.id).where(col(CashCount.unit_id).in_(ids))).first():
        return 0
    users = {u.username: u for u in session.exec(select(User)).all()}
    reviewer = users["reviewer.thuongtin"]
    added = 0
    for code, username, short in DEMO_COUNTS:
        unit, treasurer = units[code], users[username]
        counted = book_balance(session, unit_id=unit.id, on=on) - short
        pieces = _in_notes(counted, [d for d in DENOMINATIONS if not d.coin])
        if counted < 0 or pieces is None:
            continue
        count = record_count(
            session,
            unit_id=unit.id,
            data=CountInput(
                count_date=on,
                quantities=pieces,
                treasurer_name=treasurer.full_name,
                witness_name="Nguyễn Văn Kiên (Chủ tịch Hội Chữ thập đỏ xã)",
                accountant_name="Hoàng Thị Mai (Kế toán xã)",
                reason="Chưa xác định nguyên nhân; thủ quỹ giải trình" if short else "",
            ),
            user_id=treasurer.id,
        )
        if short:
            approve_count(
                session,
                count_id=count.id,
                user_id=reviewer.id,
                role=reviewer.role,
                user_unit_id=reviewer.unit_id,
                comment="Ghi vào thiếu quỹ chờ xử lý; thủ quỹ bồi hoàn",
            )
        added += 1
    return added


def _in_notes(amount: int, notes) -> dict[str, int] | None:
    """The fewest notes making ``amount`` (None when it is not a multiple of the smallest)."""
    pieces: dict[str, int] = {}
    for note in notes:
        pieces[note.key], amount = divmod(amount, note.value)
    return None if amount else {k: v for k, v in pieces.items() if v} or {notes[0].key: 0}
