"""Voucher regimes: which form codes and circular a voucher prints, by the voucher's date.

The law changes the forms from a date (TT 107/2017/TT-BTC until 31/12/2024, TT 24/2024/TT-BTC
from 01/01/2025); a voucher cites the regime in force on its own date, so a 2018 receipt
reprinted in 2026 still cites the 2017 circular.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from ..errors import DuplicateRegime, InvalidRegime
from ..models import VoucherRegime
from ..text import clean
from .audit import record_event

#: printed when no regime row is in force on a date (before the first row)
FALLBACK = {
    "receipt_form_code": "Mẫu số C40-BB",
    "disbursement_form_code": "Mẫu số C41-BB",
    "form_circular": "(Ban hành kèm theo Thông tư số 107/2017/TT-BTC ngày 10/10/2017 "
    "của Bộ Tài chính)",
}


def list_regimes(session: Session) -> list[VoucherRegime]:
    """Every regime, oldest first."""
    return list(session.exec(select(VoucherRegime).order_by(col(VoucherRegime.valid_from))).all())


def regime_on(session: Session, day: date) -> dict[str, str]:
    """The form codes and circular in force on ``day`` (keys as the voucher templates use)."""
    row = session.exec(_in_force(), params={"day": day}).first()
    if row is None:
        return dict(FALLBACK)
    return {
        "receipt_form_code": row.receipt_form_code,
        "disbursement_form_code": row.disbursement_form_code,
        "form_circular": row.circular,
    }


@cache  # built once (every voucher shown or printed asks): see ``journal._chain_head``
def _in_force():
    return (
        select(VoucherRegime)
        .where(VoucherRegime.valid_from <= bindparam("day"))
        .order_by(col(VoucherRegime.valid_from).desc())
        .limit(1)
    )


def add_regime(
    session: Session,
    *,
    valid_from: date,
    receipt_form_code: str,
    disbursement_form_code: str,
    circular: str,
    actor_id: int | None = None,
) -> VoucherRegime:
    """Add the regime in force from ``valid_from`` (audited); one row per starting date."""
    values = {
        "receipt_form_code": clean(receipt_form_code, max_length=1000),
        "disbursement_form_code": clean(disbursement_form_code, max_length=1000),
        "circular": clean(circular, max_length=1000),
    }
    limits = {"receipt_form_code": 60, "disbursement_form_code": 60, "circular": 300}
    for key, limit in limits.items():
        if not 1 <= len(values[key]) <= limit:
            raise InvalidRegime(limit=limit)
    if session.exec(select(VoucherRegime.id).where(VoucherRegime.valid_from == valid_from)).first():
        raise DuplicateRegime(date=valid_from.strftime("%d/%m/%Y"))
    regime = VoucherRegime(
        valid_from=valid_from,
        receipt_form_code=values["receipt_form_code"],
        disbursement_form_code=values["disbursement_form_code"],
        circular=values["circular"],
    )
    session.add(regime)
    session.flush()
    record_event(
        session,
        action="voucher_regime.create",
        user_id=actor_id,
        object_type="voucher_regime",
        object_id=regime.id,
        after={"valid_from": valid_from.isoformat(), **values},
    )
    return regime


def seed_regimes(session: Session, rows: list[dict[str, str]]) -> int:
    """Add the seed file's regimes whose starting date is not stored yet; returns how many."""
    known = {r.valid_from for r in list_regimes(session)}
    added = 0
    for row in rows:
        day = date.fromisoformat(row["valid_from"])
        if day in known:
            continue
        session.add(
            VoucherRegime(
                valid_from=day,
                receipt_form_code=row["receipt_form_code"],
                disbursement_form_code=row["disbursement_form_code"],
                circular=row["circular"],
            )
        )
        known.add(day)
        added += 1
    session.flush()
    return added
