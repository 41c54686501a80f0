"""Quota allocation: equal split or by weights, remainders spread so the sum is exact."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from ..errors import LedgerError, _l
from ..models import Campaign, Quota, Unit
from ..money import parse_amount
from ..spreadsheets import read_table
from ..text import parse_digits
from .campaigns import get_campaign, set_quota
from .seed import apply_quota_table
from .units import children


class BadWeights(LedgerError):
    default = _l("Trọng số phải là số không âm và có tổng lớn hơn 0.")


def split_by_weights(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of ``total`` đồng: shares ∝ weights, Σ shares == total exactly."""
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise BadWeights()
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for index in remainders[: total - sum(shares)]:
        shares[index] += 1
    return shares


def split_equal(total: int, count: int) -> list[int]:
    """``total`` split into ``count`` near-equal shares summing exactly to it."""
    return split_by_weights(total, [1] * count)


def allocate(
    session: Session, *, campaign_id: int, amounts: dict[int, int], user_id: int | None = None
) -> int:
    """Set every child unit's quota at once (each change an audit event); returns Σ quotas."""
    get_campaign(session, campaign_id)
    for unit_id, amount in amounts.items():
        set_quota(session, campaign_id=campaign_id, unit_id=unit_id, amount=amount, user_id=user_id)
    return sum(amounts.values())


@dataclass(frozen=True)
class Allocation:
    """The quota screen: the child units valid at the campaign's start and their quotas."""

    units: list[Unit]
    current: dict[int, int]


def allocation(session: Session, campaign: Campaign) -> Allocation:
    units = children(session, parent_id=campaign.unit_id, on=campaign.starts_on)
    current = dict(
        session.exec(
            select(Quota.unit_id, Quota.amount).where(Quota.campaign_id == campaign.id)
        ).all()
    )
    return Allocation(units=units, current=current)


@dataclass(frozen=True)
class QuotaEntries:
    """What the quota screen submitted, as typed: ``typed`` amounts, or ``total`` split
    ``equal``-ly or by ``weights``; per unit id."""

    mode: str
    total: str
    typed: dict[int, str]
    weights: dict[int, str]


def quota_amounts(entries: QuotaEntries, unit_ids: list[int]) -> dict[int, int]:
    """Each unit's quota from the typed entries (InvalidAmount, BadWeights when they do not
    parse)."""
    if entries.mode in ("equal", "weights"):
        total = parse_amount(entries.total)
        weights = (
            [1] * len(unit_ids)
            if entries.mode == "equal"
            else [_weight(entries.weights.get(u, "")) for u in unit_ids]
        )
        return dict(zip(unit_ids, split_by_weights(total, weights), strict=False))
    return {
        u: (
            parse_amount(entries.typed[u])
            if entries.typed.get(u, "").strip() not in ("", "0")
            else 0
        )
        for u in unit_ids
    }


def _weight(text: str) -> int:
    """A typed weight: 0 when left empty, -1 (refused by the split) when not ASCII digits."""
    if not text.strip("0 "):
        return 0
    value = parse_digits(text.strip(), maximum=10**9)
    return -1 if value is None else value


def allocate_entries(
    session: Session, *, campaign: Campaign, entries: QuotaEntries, user_id: int | None = None
) -> int:
    """The quota screen's submission: its amounts for the campaign's child units, allocated."""
    unit_ids = [u.id for u in allocation(session, campaign).units]
    amounts = quota_amounts(entries, unit_ids)
    return allocate(session, campaign_id=campaign.id, amounts=amounts, user_id=user_id)


def import_quota_table(
    session: Session, *, campaign: Campaign, filename: str, data: bytes, user_id: int | None
) -> int:
    """The annex table ``STT | TÊN ĐƠN VỊ | Số tiền (Đồng)`` from .xlsx or .csv bytes (KeyError
    naming a missing column)."""
    table = read_table(filename, data)
    header = [str(c or "").strip() for c in table[0]] if table else []
    rows = [
        dict(zip(header, [str(c if c is not None else "") for c in r], strict=False))
        for r in table[1:]
    ]
    return apply_quota_table(
        session, campaign_id=campaign.id, parent_id=campaign.unit_id, rows=rows, user_id=user_id
    )
