"""Quota allocation: equal split or by weights, remainders spread so the sum is exact."""

from __future__ import annotations

from sqlmodel import Session

from ..errors import LedgerError, _l
from .campaigns import get_campaign, set_quota


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
