"""A user's e-mail settings: the address, the language mail is written in, the weekly summary.

The address is checked strictly (one mailbox, ASCII, no spaces or line breaks) because it goes
into a message header: nothing a user types can add a header or another recipient.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from ..errors import InvalidEmail, SummaryNeedsEmail
from ..models import User
from ..text import clean
from ..vocab import Language, values
from .audit import record_event
from .users import get_user

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")


def checked_email(text: object) -> str:
    """The address as stored (trimmed, domain in lower case), "" for none; ``InvalidEmail``
    for anything but one plain mailbox of at most 254 characters."""
    raw = str(text or "")
    address = raw.strip()
    if not address:
        return ""
    if len(address) > 254 or not _ADDRESS.fullmatch(address) or len(address.split("@")[0]) > 64:
        raise InvalidEmail(address=clean(raw, max_length=80))
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def set_mail_settings(
    session: Session,
    *,
    user_id: int,
    actor_id: int | None,
    email: str,
    language: str,
    weekly_summary: bool | None = None,
) -> User:
    """Set the address and language (and, when given, the weekly summary opt-in); audited.
    Without an address there is no summary: asking for one is refused, and clearing the
    address (an admin may) turns it off."""
    user = get_user(session, user_id)
    address = checked_email(email)
    if language not in values(Language):
        language = Language.VI
    wanted = user.weekly_summary if weekly_summary is None else weekly_summary
    if wanted and not address:
        if weekly_summary:
            raise SummaryNeedsEmail()
        wanted = False
    before = _settings(user)
    user.email, user.language, user.weekly_summary = address, language, wanted
    session.add(user)
    session.flush()
    if _settings(user) != before:
        record_event(
            session,
            action="user.mail_settings",
            user_id=actor_id,
            unit_id=user.unit_id,
            object_type="user",
            object_id=user.id,
            before=before,
            after=_settings(user),
        )
    return user


def _settings(user: User) -> dict:
    return {"email": user.email, "language": user.language, "weekly_summary": user.weekly_summary}
