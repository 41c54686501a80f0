"""Idempotency keys: a retried, double-clicked or resubmitted form returns the first result."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from ..errors import IdempotencyConflict
from ..models import IdempotencyKey, table_of, utcnow


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
    existing = session.exec(_claimed(), params={"claimed": key}).first()
    if existing is not None:
        stored, owner, result = existing
        if stored != digest or owner != user_id:
            raise IdempotencyConflict()
        return result
    # a plain INSERT, not an ORM object: nothing reads the row back as one (``complete_key``
    # updates it by key), and the unit of work cost more than the insert itself
    row = {
        "key": key,
        "user_id": user_id,
        "fingerprint": digest,
        "result": "",
        "created_at": utcnow(),
    }
    session.execute(_claim(), row)
    return None


# Built once (every form that records something runs them): see ``journal._chain_head``.
@cache
def _claimed():
    return select(IdempotencyKey.fingerprint, IdempotencyKey.user_id, IdempotencyKey.result).where(
        col(IdempotencyKey.key) == bindparam("claimed")
    )


@cache
def _claim():
    return insert(table_of(IdempotencyKey))


def complete_key(session: Session, *, key: str, result: str) -> None:
    """Store what the first submission answered."""
    session.flush()
    # one statement (built once): the key row this transaction claimed
    session.execute(_store_result(), {"claimed": key, "answer": result})


@cache
def _store_result():
    return (
        update(IdempotencyKey)
        .where(col(IdempotencyKey.key) == bindparam("claimed"))
        .values(result=bindparam("answer"))
        .execution_options(synchronize_session=False)
    )
