"""The second factor a payout above the admin's limit needs, at approval and at payment."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..errors import SecondFactorNotEnrolled, SecondFactorRequired
from .second_factor import confirmed_factor, verify_code
from .settings import int_setting

#: the setting: payouts of more than this many đồng need a code to approve and to pay
LIMIT_KEY = "second_factor_above"


def needs_code(session: Session, amount: int) -> bool:
    """Whether approving or paying this amount asks for a code."""
    return amount > int_setting(session, LIMIT_KEY)


def ensure_payout_factor(
    session: Session, *, user_id: int, amount: int, code: str, now: datetime, purpose: str
) -> None:
    """Nothing below the limit; above it, the user's own valid code (or recovery code), or a
    refusal saying what is missing."""
    limit = int_setting(session, LIMIT_KEY)
    if amount <= limit:
        return
    if confirmed_factor(session, user_id) is None:
        raise SecondFactorNotEnrolled(limit=limit)
    if not (code or "").strip():
        raise SecondFactorRequired(limit=limit)
    verify_code(session, user_id=user_id, code=code, now=now, purpose=purpose)
