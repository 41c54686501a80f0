"""Read-only API tokens: issued for a number of days, listed and revoked by their owner or an
admin above them, and revoked with the owner's sessions (sign-out everywhere, password change,
deactivation). Only a token's sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from ..errors import InvalidTokenLifetime, NotFound
from ..models import ApiToken, User, utcnow
from ..text import clean
from .audit import record_event
from .units import is_within

DEFAULT_DAYS = 90
MAX_DAYS = 365


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    *,
    user_id: int,
    days: int = DEFAULT_DAYS,
    name: str = "",
    actor_id: int | None = None,
) -> str:
    """A new token for the user, valid ``days`` days; the token is returned once, never stored."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidTokenLifetime(days=MAX_DAYS)
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound()
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_digest(token),
        name=clean(name, max_length=80),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        action="api_token.issue",
        user_id=actor_id,
        unit_id=user.unit_id,
        object_type="api_token",
        object_id=row.id,
        after={"user_id": user.id, "expires_at": row.expires_at.isoformat()},
    )
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active owner of an unexpired, unrevoked token, else None."""
    if not token:
        return None
    return session.exec(
        select(User)
        .join(ApiToken, col(ApiToken.user_id) == User.id)
        .where(
            ApiToken.token_hash == _digest(token),
            col(ApiToken.revoked_at).is_(None),
            ApiToken.expires_at > utcnow(),
            col(User.active).is_(True),
        )
    ).first()


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first, expired and revoked ones included."""
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(col(ApiToken.id).desc())
        ).all()
    )


def revoke_token(session: Session, *, token_id: int, actor_id: int) -> ApiToken:
    """Revoke one token: its owner may, and an admin whose scope holds the owner's unit."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    owner, actor = session.get_one(User, token.user_id), session.get(User, actor_id)
    if actor is None or not (
        actor.id == owner.id
        or (
            actor.role == "admin"
            and is_within(session, unit_id=owner.unit_id, scope_id=actor.unit_id)
        )
    ):
        raise NotFound()  # another user's token is not revealed
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by_id = utcnow(), actor.id
        record_event(
            session,
            action="api_token.revoke",
            user_id=actor.id,
            unit_id=owner.unit_id,
            object_type="api_token",
            object_id=token.id,
            after={"user_id": owner.id},
        )
    session.flush()
    return token


def revoke_all(session: Session, *, user_id: int, actor_id: int | None = None) -> int:
    """Revoke every live token of the user (their sessions end); returns how many."""
    result = session.exec(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=actor_id)
    )
    count = result.rowcount or 0
    if count:
        owner = session.get(User, user_id)
        record_event(
            session,
            action="api_token.revoke_all",
            user_id=actor_id,
            unit_id=owner.unit_id if owner else None,
            object_type="user",
            object_id=user_id,
            after={"count": count},
        )
    session.flush()
    return count


def token_status(token: ApiToken) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= utcnow() else "active"
