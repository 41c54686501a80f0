"""Who is signed in and what they may see: Flask-Login wiring, scopes and role checks."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, session
from flask_babel import lazy_gettext
from flask_login import LoginManager, current_user

from .db import get_session
from .models import User
from .services.units import Scope, subtree_ids, subtree_scope, tree_version
from .vocab import Role

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Hãy đăng nhập để tiếp tục.")
login_manager.session_protection = "strong"

#: what each role may do beyond reading its scope
PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {
        "write_receipts",
        "draft_payouts",
        "approve",
        "manage_users",
        "lock",
        "quotas",
        "audit_log",
        "unlock",
        "categories",
        "settings",
        "pay",
        "beneficiaries",
        "transfer",
        "units",
        "file_reports",
        "return_reports",
    },
    Role.REVIEWER: {
        "draft_payouts",
        "approve",
        "lock",
        "quotas",
        "beneficiaries",
        "file_reports",
        "return_reports",
    },
    Role.TREASURER: {
        "write_receipts",
        "draft_payouts",
        "pay",
        "beneficiaries",
        "transfer",
        "file_reports",
    },
    Role.AUDITOR: {"audit_log"},
}


class SignedInUser:
    """The Flask-Login wrapper around a ``User`` row (no ORM object kept across requests)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User):
        self.id, self.username, self.role = user.id, user.username, user.role
        self.unit_id, self.full_name = user.unit_id, user.full_name
        self.can_unmask, self.session_version = user.can_unmask, user.session_version
        self.language = user.language
        # held for the request: the session's identity map keeps rows only while referenced,
        # so a page naming its author (a voucher's "Người lập") finds it without a query
        self._row = user

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, set())


@login_manager.user_loader
def load_user(token: str):
    """The session's user, refused when deactivated or when the session was ended."""
    try:
        user_id, version = (int(part) for part in token.split(":"))
    except ValueError:
        return None
    user = get_session().get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return SignedInUser(user)


def tree() -> tuple:
    """The unit tree's version as this request reads it (``units.tree_version``: read once a
    transaction, so once a request)."""
    return tree_version(get_session())


def scope_ids() -> set[int]:
    """Ids of the signed-in user's unit and every unit under it (cached per request)."""
    if "scope_ids" not in g:
        g.scope_ids = subtree_ids(get_session(), current_user.unit_id)  # a commune: no version
    return g.scope_ids


def scope_members() -> Scope:
    """The signed-in user's scope as a condition the lists filter by (``units.Scope``: a
    nation's 11,000 ids as bound parameters cost 50 ms per query)."""
    if "scope_members" not in g:
        g.scope_members = subtree_scope(get_session(), current_user.unit_id)
    return g.scope_members


def require_scope(unit_id: int | None) -> None:
    """404 unless ``unit_id`` is in the user's scope (the object's existence is not revealed)."""
    if unit_id is None or unit_id not in scope_ids():
        abort(404)


def permission_required(permission: str):
    """Decorator: 403 unless the signed-in user's role grants ``permission``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def start_session(user: User) -> None:
    """Fresh session at sign-in: clear the old one (new id), remember when it began."""
    import time

    from flask_login import login_user

    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    now = int(time.time())
    session["started"] = session["seen"] = now
    login_user(SignedInUser(user))


def init_app(app) -> None:
    """Attach Flask-Login to the app."""
    login_manager.init_app(app)
