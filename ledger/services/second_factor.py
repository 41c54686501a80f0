"""A second factor: TOTP (RFC 6238, 6 digits every 30 s, any authenticator app) and ten
one-time recovery codes.

A factor is pending until a valid code confirms it. A code is accepted for the previous, the
current or the next time step (a phone's clock may be off by a few seconds), and only for a
step later than the last one accepted, so no code counts twice. Five wrong codes within 15
minutes lock the factor for 15 minutes; the counters are in the table, so every app server
sees them. Each enrolment, use, failure, lock-out, switch-off and reset is an audit event.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, delete, select

from ..errors import (
    SecondFactorAlreadyOn,
    SecondFactorLocked,
    SecondFactorNotOn,
    SecondFactorNotPending,
    SecondFactorWrong,
)
from ..models import RecoveryCode, SecondFactor, User
from .audit import record_event

#: the account name's prefix an authenticator app shows
ISSUER = "Quỹ BTTE"
STEP_SECONDS = 30
RECOVERY_CODES = 10
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
_HASHER = PasswordHasher()
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def confirmed_factor(session: Session, user_id: int) -> SecondFactor | None:
    """The user's factor once switched on, else None."""
    factor = session.get(SecondFactor, user_id)
    return factor if factor is not None and factor.confirmed_at is not None else None


def start_enrolment(session: Session, *, user_id: int) -> SecondFactor:
    """The pending factor with a fresh secret (the same one while it stays pending)."""
    factor = session.get(SecondFactor, user_id)
    if factor is not None and factor.confirmed_at is not None:
        raise SecondFactorAlreadyOn()
    if factor is None:
        factor = SecondFactor(user_id=user_id, secret=pyotp.random_base32())
        session.add(factor)
        session.flush()
    return factor


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://totp/…`` address the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def enrol_known_secret(session: Session, *, user_id: int, secret: str, now: datetime) -> bool:
    """Switch on a factor with a secret printed elsewhere (the demo admin's, which
    ``dev.py serve`` prints); False when the user already has one."""
    if session.get(SecondFactor, user_id) is not None:
        return False
    session.add(SecondFactor(user_id=user_id, secret=secret, confirmed_at=now))
    session.flush()
    _event(session, "second_factor.enrol", user_id, after={"recovery_codes": 0})
    return True


def confirm_enrolment(session: Session, *, user_id: int, code: str, now: datetime) -> list[str]:
    """Switch the pending factor on with its first valid code; returns the recovery codes
    (shown once: only their hashes are kept)."""
    factor = _locked(session, user_id)
    if factor is None:
        raise SecondFactorNotPending()
    if factor.confirmed_at is not None:
        raise SecondFactorAlreadyOn()
    _ensure_open(factor, now)
    step = _matching_step(factor, code, now)
    if step is None:
        raise SecondFactorWrong()
    factor.confirmed_at, factor.last_step = now, step
    _clear_failures(factor)
    codes = _new_recovery_codes(session, user_id)
    _event(session, "second_factor.enrol", user_id, after={"recovery_codes": len(codes)})
    return codes


def verify_code(session: Session, *, user_id: int, code: str, now: datetime, purpose: str) -> str:
    """Accept the authenticator's code or an unused recovery code (then spent); returns
    ``"totp"`` or ``"recovery"``. A wrong code raises ``SecondFactorWrong``: the caller
    rolls back and counts it with ``record_failure`` in a transaction of its own."""
    factor = _locked(session, user_id)
    if factor is None or factor.confirmed_at is None:
        raise SecondFactorNotOn()
    _ensure_open(factor, now)
    step = _matching_step(factor, code, now)
    if step is not None:
        factor.last_step, kind = step, "totp"
    elif _spend_recovery_code(session, user_id, code, now):
        kind = "recovery"
    else:
        raise SecondFactorWrong()
    _clear_failures(factor)
    _event(session, "second_factor.use", user_id, after={"purpose": purpose, "kind": kind})
    return kind


def record_failure(session: Session, *, user_id: int, now: datetime, purpose: str) -> None:
    """Count one wrong code; the fifth within the window locks the factor."""
    factor = _locked(session, user_id)
    if factor is None:
        return
    if factor.failures_since is None or now - factor.failures_since > FAILURE_WINDOW:
        factor.failures, factor.failures_since = 0, now
    factor.failures += 1
    _event(session, "second_factor.fail", user_id, after={"purpose": purpose})
    if factor.failures >= MAX_FAILURES:
        factor.locked_until = now + LOCKOUT
        _clear_failures(factor)
        _event(session, "second_factor.locked_out", user_id, after={"purpose": purpose})
    session.flush()


def disable(session: Session, *, user_id: int, code: str, now: datetime) -> None:
    """Switch the user's own factor off, which needs a valid code."""
    verify_code(session, user_id=user_id, code=code, now=now, purpose="disable")
    _remove(session, user_id)
    _event(session, "second_factor.disable", user_id)


def reset(session: Session, *, user_id: int, actor_id: int) -> None:
    """An admin removes a user's factor (a lost phone); the user enrols again."""
    if session.get(SecondFactor, user_id) is None:
        raise SecondFactorNotOn()
    _remove(session, user_id)
    user = session.get_one(User, user_id)
    record_event(
        session,
        action="second_factor.reset",
        user_id=actor_id,
        unit_id=user.unit_id,
        object_type="user",
        object_id=user_id,
    )


def recovery_codes_left(session: Session, user_id: int) -> int:
    """How many recovery codes are still unused."""
    rows = session.exec(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None)
        )
    ).all()
    return len(rows)


def minutes_left(factor: SecondFactor, now: datetime) -> int:
    """Whole minutes until a lock-out ends (at least 1)."""
    assert factor.locked_until is not None
    return max(1, -(-int((factor.locked_until - now).total_seconds()) // 60))


def _locked(session: Session, user_id: int) -> SecondFactor | None:
    return session.exec(
        select(SecondFactor).where(SecondFactor.user_id == user_id).with_for_update()
    ).first()


def _ensure_open(factor: SecondFactor, now: datetime) -> None:
    if factor.locked_until is not None and factor.locked_until > now:
        raise SecondFactorLocked(minutes=str(minutes_left(factor, now)))


def _matching_step(factor: SecondFactor, code: str, now: datetime) -> int | None:
    """The time step (previous, current or next) whose code this is, if not used yet."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(factor.secret)
    current = int(now.replace(tzinfo=UTC).timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if step > factor.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalised_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _spend_recovery_code(session: Session, user_id: int, code: str, now: datetime) -> bool:
    typed = _normalised_recovery(code)
    if len(typed) != 10:
        return False
    unused = session.exec(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None)
        )
    ).all()
    for row in unused:
        try:
            _HASHER.verify(row.code_hash, typed)
        except (VerificationError, InvalidHashError):
            continue
        row.used_at = now
        session.flush()
        return True
    return False


def _new_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(RECOVERY_CODES)
    ]
    for code in codes:
        session.add(RecoveryCode(user_id=user_id, code_hash=_HASHER.hash(code)))
    session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _remove(session: Session, user_id: int) -> None:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    session.exec(delete(SecondFactor).where(col(SecondFactor.user_id) == user_id))
    session.flush()


def _clear_failures(factor: SecondFactor) -> None:
    factor.failures, factor.failures_since = 0, None


def _event(session: Session, action: str, user_id: int, *, after: dict | None = None) -> None:
    user = session.get_one(User, user_id)
    record_event(
        session,
        action=action,
        user_id=user_id,
        unit_id=user.unit_id,
        object_type="user",
        object_id=user_id,
        after=after,
    )
