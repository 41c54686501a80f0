"""The second factor at the web's edge: run a code check so that a wrong code is counted
even though the refused action rolls back, and hold an admin's sign-in between the password
and the code (the views of the account page, the sign-in step and the payouts share these)."""

from __future__ import annotations

import time

from flask import current_app, session, url_for
from flask_login import current_user

from .db import get_session, get_write_session
from .errors import LedgerError, SecondFactorWrong
from .models import SecondFactor, User, utcnow
from .services import second_factor as service

#: the password step of an admin's sign-in is good for this long
PENDING_SECONDS = 300
_KEY = "factor_pending"


def checked(action, *, purpose: str, user_id: int | None = None):
    """Run ``action(session)`` and commit; a wrong code rolls it back and is then counted
    toward the lock-out in a transaction of its own."""
    db = get_write_session()
    try:
        result = action(db)
    except LedgerError as error:
        db.rollback()
        count_if_wrong(error, purpose=purpose, user_id=user_id)
        raise
    db.commit()
    return result


def count_if_wrong(error: LedgerError, *, purpose: str, user_id: int | None = None) -> None:
    """After a refusal rolled back: count a wrong code (and audit it), committed."""
    if not isinstance(error, SecondFactorWrong):
        return
    db = get_write_session()
    service.record_failure(db, user_id=user_id or current_user.id, now=utcnow(), purpose=purpose)
    db.commit()


def grouped(secret: str) -> str:
    """The secret in groups of four, as authenticator apps accept it typed."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def needs_sign_in_factor(user: User) -> bool:
    """Admins pass a second factor at sign-in (``ADMIN_SECOND_FACTOR``, on by default)."""
    return user.role == "admin" and bool(current_app.config.get("ADMIN_SECOND_FACTOR", True))


def begin_sign_in(user: User, target: str) -> str:
    """Remember the password step in the cookie (no session yet; committed at once); make an
    admin who has no factor a pending one to enrol. Returns the second step's address."""
    db = get_write_session()
    if db.get(SecondFactor, user.id) is None:
        service.start_enrolment(db, user_id=user.id)
    db.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[_KEY] = [user.id, user.session_version, int(time.time()), target]
    return url_for("factor_signin.step")


def pending_sign_in() -> tuple[User, str] | None:
    """The admin whose password was right a moment ago, and where they were going."""
    pending = session.get(_KEY)
    if not isinstance(pending, list) or len(pending) != 4:
        return None
    user_id, version, started, target = pending
    if time.time() - started > PENDING_SECONDS:
        return None
    user = get_session().get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user, target


def forget_sign_in() -> None:
    session.pop(_KEY, None)
