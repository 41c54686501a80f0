"""Users: create with an argon2id hash, authenticate with a lock-out counted in the database."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from ..errors import DuplicateUser, NotFound, WeakPassword
from ..models import Unit, User, utcnow
from ..text import clean
from .audit import record_event
from .tokens import revoke_all
from .unit_order import official_order
from .units import in_units

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
#: verified against when the username is unknown, so both failures cost the same time
_DUMMY_HASH = _HASHER.hash("not-a-real-password-0000")
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    if len(password or "") < MIN_PASSWORD:
        raise WeakPassword()
    return _HASHER.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    unit_id: int,
    full_name: str = "",
    can_unmask: bool = False,
    actor_id: int | None = None,
) -> User:
    """Create a user scoped to ``unit_id`` and everything under it."""
    username = clean(username, max_length=80).lower()
    if session.exec(select(User).where(User.username == username)).first():
        raise DuplicateUser(username=username)
    user = User(
        username=username,
        full_name=clean(full_name, max_length=200),
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
        can_unmask=can_unmask,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        action="user.create",
        user_id=actor_id,
        unit_id=unit_id,
        object_type="user",
        object_id=user.id,
        after={"username": username, "role": role, "unit_id": unit_id},
    )
    return user


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    max_failures: int = 10,
    lockout_minutes: int = 15,
) -> User | None:
    """The user if the password is right and the account is active and not locked, else None."""
    user = session.exec(
        select(User).where(User.username == clean(username).lower()).with_for_update()
    ).first()
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    now = utcnow()
    if not user.active or (user.locked_until and user.locked_until > now):
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            record_event(session, action="user.locked_out", user_id=user.id, unit_id=user.unit_id)
        session.flush()
        return None
    user.failed_logins, user.locked_until = 0, None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    session.flush()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def get_user(session: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def end_sessions(session: Session, *, user_id: int, actor_id: int | None = None) -> None:
    """Invalidate every session cookie and API token of the user (sign-out everywhere,
    deactivation, password change)."""
    session.exec(
        update(User)
        .where(col(User.id) == user_id)
        .values(session_version=col(User.session_version) + 1)
    )
    revoke_all(session, user_id=user_id, actor_id=actor_id if actor_id is not None else user_id)
    session.flush()


def update_user(
    session: Session,
    *,
    user_id: int,
    actor_id: int | None,
    role: str,
    unit_id: int,
    active: bool,
    full_name: str,
    can_unmask: bool,
    password: str = "",
) -> User:
    """Change a user's role, scope, status or password; audited, and ends their sessions
    (and their API tokens too when the password, the status, the role or the scope changed)."""
    user = get_user(session, user_id)
    before = {
        "role": user.role,
        "unit_id": user.unit_id,
        "active": user.active,
        "can_unmask": user.can_unmask,
    }
    revokes = bool(password) or (user.role, user.unit_id, user.active) != (role, unit_id, active)
    user.role, user.unit_id, user.active = role, unit_id, active
    user.full_name, user.can_unmask = clean(full_name, max_length=200), can_unmask
    if password:
        user.password_hash = hash_password(password)
    user.session_version += 1
    session.flush()
    if revokes:
        revoke_all(session, user_id=user.id, actor_id=actor_id)
    record_event(
        session,
        action="user.update",
        user_id=actor_id,
        unit_id=unit_id,
        object_type="user",
        object_id=user.id,
        before=before,
        after={
            "role": role,
            "unit_id": unit_id,
            "active": active,
            "can_unmask": can_unmask,
            "password_changed": bool(password),
        },
    )
    return user


def users_in(session: Session, unit_ids) -> list:
    """``(user, unit)`` for the users of these units (ids or a ``units.Scope``), by unit
    name and username."""
    return list(
        session.exec(
            select(User, Unit)
            .join(Unit, col(Unit.id) == User.unit_id)
            .where(in_units(col(User.unit_id), unit_ids))
            .order_by(*official_order(by_level=True), User.username)
        ).all()
    )
