"""Idempotency keys: a retried, double-clicked or resubmitted form returns the first result."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import update
from sqlmodel import Session, col

from ..errors import IdempotencyConflict
from ..models import IdempotencyKey


def fingerprint(payload: dict) -> str:
    """sha256 of the submitted values, order-independent."""
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def claim_key(session: Session, *, key: str, user_id: int | None, payload: dict) -> str | None:
    """The first result if ``key`` was used for this payload; reserve it if new.

    The same key with another payload (or user) is refused. Two racing first submissions
    collide on the primary key: the loser's caller rolls back and claims again.
    """
    digest = fingerprint(payload)
    existing = session.get(IdempotencyKey, key, populate_existing=True)
    if existing is not None:
        if existing.fingerprint != digest or existing.user_id != user_id:
            raise IdempotencyConflict()
        return existing.result
    session.add(IdempotencyKey(key=key, user_id=user_id, fingerprint=digest))
    session.flush()
    return None


def complete_key(session: Session, *, key: str, result: str) -> None:
    """Store what the first submission answered."""
    session.flush()
    session.execute(  # one statement: the key row this transaction claimed
        update(IdempotencyKey)
        .where(col(IdempotencyKey.key) == key)
        .values(result=result)
        .execution_options(synchronize_session=False)
    )
