"""Load the reference data and the Thường Tín 2018 campaign from ``seed/`` (idempotent)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from ..errors import LedgerError, _l
from ..models import Category, CircumstanceGroup, Setting, Unit
from ..money import parse_amount
from ..text import unit_key
from .campaigns import create_campaign, find_campaign, set_quota, set_report_period
from .units import create_unit, find_unit

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"


class QuotaTableMismatch(LedgerError):
    default = _l("Bảng chỉ tiêu: tổng ghi %(stated)s khác tổng các dòng %(summed)s.")


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file as dicts."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_reference(session: Session, seed_dir: Path = SEED_DIR) -> dict[str, int]:
    """Load categories, circumstance groups, settings, units, campaigns; returns what was added."""
    added = {
        "categories": _seed_categories(session, seed_dir),
        "groups": _seed_groups(session, seed_dir),
        "settings": _seed_settings(session, seed_dir),
        "units": _seed_units(session, seed_dir),
        "voucher_regimes": _seed_regimes(session, seed_dir),
    }
    added["campaigns"] = _seed_campaigns(session, seed_dir)
    return added


def _seed_categories(session: Session, seed_dir: Path) -> int:
    known = set(session.exec(select(Category.code)).all())
    rows = [r for r in read_csv(seed_dir / "categories.csv") if r["code"] not in known]
    session.add_all(
        Category(
            code=r["code"],
            name_vi=r["name_vi"],
            name_en=r["name_en"],
            is_management=r["is_management"] == "1",
        )
        for r in rows
    )
    session.flush()
    return len(rows)


def _seed_groups(session: Session, seed_dir: Path) -> int:
    known = set(session.exec(select(CircumstanceGroup.code)).all())
    rows = [r for r in read_csv(seed_dir / "circumstance_groups.csv") if r["code"] not in known]
    session.add_all(
        CircumstanceGroup(
            code=r["code"],
            name_vi=r["name_vi"],
            name_en=r["name_en"],
            legal_ref=r["legal_ref"],
            position=int(r["position"]),
        )
        for r in rows
    )
    session.flush()
    return len(rows)


def _seed_settings(session: Session, seed_dir: Path) -> int:
    known = set(session.exec(select(Setting.key)).all())
    rows = [r for r in read_csv(seed_dir / "settings.csv") if r["key"] not in known]
    session.add_all(Setting(key=r["key"], value=r["value"]) for r in rows)
    session.flush()
    return len(rows)


def _seed_regimes(session: Session, seed_dir: Path) -> int:
    from .regimes import seed_regimes

    return seed_regimes(session, read_csv(seed_dir / "voucher_regimes.csv"))


#: the unit lists: the 2018 tree, then the communes of the two-tier structure (01/07/2025)
UNIT_FILES = ("units.csv", "units_2025.csv")


def _seed_units(session: Session, seed_dir: Path) -> int:
    ids = dict(session.exec(select(Unit.code, Unit.id)).all())
    added = 0
    rows = [
        row
        for name in UNIT_FILES
        if (seed_dir / name).exists()
        for row in read_csv(seed_dir / name)
    ]
    for row in rows:
        if row["code"] in ids:
            continue
        unit = create_unit(
            session,
            code=row["code"],
            name=row["name"],
            printed_name=row["printed_name"],
            level=row["level"],
            parent_id=ids.get(row["parent_code"]),
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            unit_type=row.get("unit_type") or None,
        )
        ids[unit.code] = unit.id
        added += 1
    return added


def _seed_campaigns(session: Session, seed_dir: Path) -> int:
    added = 0
    for row in read_csv(seed_dir / "campaigns.csv"):
        unit = find_unit(session, row["unit_code"])
        year = int(row["year"])
        if find_campaign(session, unit_id=unit.id, year=year):
            continue
        campaign = create_campaign(
            session,
            unit_id=unit.id,
            year=year,
            target=parse_amount(row["target"]),
            name=row["name"],
            starts_on=date.fromisoformat(row["starts_on"]),
            ends_on=date.fromisoformat(row["ends_on"]),
        )
        apply_quota_table(
            session,
            campaign_id=campaign.id,
            parent_id=unit.id,
            rows=read_csv(seed_dir / row["quota_file"]),
        )
        added += 1
    for row in read_csv(seed_dir / "report_periods.csv"):
        unit = find_unit(session, row["unit_code"])
        reported = find_campaign(session, unit_id=unit.id, year=int(row["year"]))
        assert reported is not None, f"no campaign {row['year']} of {row['unit_code']}"
        set_report_period(
            session,
            campaign_id=reported.id,
            code=row["code"],
            name=row["name"],
            cutoff=date.fromisoformat(row["cutoff"]),
            due=date.fromisoformat(row["due"]),
        )
    return added


def apply_quota_table(
    session: Session,
    *,
    campaign_id: int,
    parent_id: int,
    rows: list[dict[str, str]],
    user_id: int | None = None,
) -> int:
    """Set quotas from the annex table ``STT | TÊN ĐƠN VỊ | Số tiền (Đồng)``; checks its total."""
    children = session.exec(select(Unit).where(Unit.parent_id == parent_id)).all()
    by_name = {unit_key(u.printed_name or u.name): u for u in children}
    by_name.update({unit_key(u.name): u for u in children})
    stated, summed = None, 0
    for row in rows:
        name, amount = row["TÊN ĐƠN VỊ"], parse_amount(row["Số tiền (Đồng)"])
        if not row["STT"].strip():
            stated = amount
            continue
        unit = by_name.get(unit_key(name)) or find_unit(session, name)
        set_quota(session, campaign_id=campaign_id, unit_id=unit.id, amount=amount, user_id=user_id)
        summed += amount
    if stated is not None and stated != summed:
        raise QuotaTableMismatch(stated=stated, summed=summed)
    return summed
