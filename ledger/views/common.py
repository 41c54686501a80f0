"""Helpers every blueprint's views share: run a submission once, read list filters."""
from __future__ import annotations

import uuid

from flask import request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..db import get_session, get_write_session
from ..services.idempotency import claim_key, complete_key
from ..text import parse_digits


def form_payload(form) -> dict:
    """The submitted values that identify a submission (no tokens)."""
    return {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token", "idempotency_key", "file")}


def run_once(form, action, *, url: str | None = None) -> str:
    """Run ``action(session)`` once per idempotency key and commit; a repeat gets the same url.

    The answer is ``url`` when given (the action's return value is then ignored), otherwise
    the url the action returns.

    Two racing first submissions collide on the key's primary key: the loser rolls back and
    returns the winner's result.
    """
    session = get_write_session()
    key = (form.idempotency_key.data or uuid.uuid4().hex)[:64]
    payload = form_payload(form)
    try:
        done = claim_key(session, key=key, user_id=current_user.id, payload=payload)
        if done is not None:
            session.rollback()
            return done
        result = action(session)
        target = url if url is not None else result
        complete_key(session, key=key, result=target)
        session.commit()
        return target
    except IntegrityError:
        session.rollback()
        done = claim_key(session, key=key, user_id=current_user.id, payload=payload)
        session.rollback()
        if done is None:
            raise
        return done
    except BaseException:
        session.rollback()  # release the write lock before the error page is rendered
        raise


def arg_int(name: str, default: int | None = None) -> int | None:
    """A positive integer query argument (ASCII digits, at most ``MAX_ID``), or ``default``
    when absent or malformed."""
    value = parse_digits(request.args.get(name, ""))
    return default if value is None else value


def get_in_scope(model, object_id: int, *, unit_attr: str = "unit_id"):
    """The row with this id if its unit is in the user's scope, else 404 (never 403: the
    object's existence is not revealed)."""
    from flask import abort

    from ..auth import require_scope

    found = get_session().get(model, object_id)
    if found is None:
        abort(404)
    require_scope(getattr(found, unit_attr))
    return found
