"""Write audit events: who did what, when, with the values before and after.

Events are chained per fund like the journal (each hash covers the event and the previous
event's hash), and an event about a sealed row (``seals.SEALED``) carries the row's digest
after the change, so ``check`` notices an event deleted or edited and a row changed behind
the application's back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, or_
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import Session, col, select

from ..bulk import insert_rows, reserve_ids
from ..models import AuditEvent, AuditHead, User, table_of, utcnow
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .seals import SEALED, digest_now, digests
from .units import in_units

AUDIT_TABLE = table_of(AuditEvent)  # the Core table the bulk writer fills, looked up once


def record_event(
    session: Session,
    *,
    action: str,
    user_id: int | None = None,
    unit_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit event to its fund's chain (flushed with the change it describes)."""
    digest = (
        digest_now(session, object_type, object_id)
        if object_type in SEALED and object_id is not None
        else ""
    )
    [event_id] = _append(
        session,
        unit_id,
        [
            {
                "action": action,
                "user_id": user_id,
                "unit_id": unit_id,
                "object_type": object_type,
                "object_id": object_id,
                "before": _dump(before),
                "after": _dump(after),
                "digest": digest,
            }
        ],
    )
    return session.get_one(AuditEvent, event_id)


def seal_rows(
    session: Session,
    *,
    kind: str,
    keys: list[int],
    action: str,
    user_id: int | None = None,
    unit_id: int | None = None,
) -> None:
    """One event per row of ``kind`` just written in bulk (a whole import in one statement)."""
    if not keys:
        return
    found = digests(session, kind, keys=keys, key_range=(min(keys), max(keys)))
    _append(
        session,
        unit_id,
        [
            {
                "action": action,
                "user_id": user_id,
                "unit_id": unit_id,
                "object_type": kind,
                "object_id": key,
                "before": "",
                "after": "",
                "digest": found[key][1],
            }
            for key in keys
        ],
    )


#: the columns of an event ``event_hash`` reads (besides chain, sequence and digest): what a
#: check or a re-chaining selects to recompute it
HASHED_COLUMNS = (
    AuditEvent.at,
    AuditEvent.user_id,
    AuditEvent.unit_id,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.before,
    AuditEvent.after,
)


def event_hash(*, prev_hash: str, chain_key: int, seq: int, at: datetime, row: dict) -> str:
    """sha256 over an event's content and the previous event's hash of the same chain."""
    content = [
        prev_hash,
        chain_key,
        seq,
        at.isoformat(),
        row["user_id"],
        row["unit_id"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["before"],
        row["after"],
        row["digest"],
    ]
    return hashlib.sha256(
        json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def _append(session: Session, unit_id: int | None, rows: list[dict]) -> list[int]:
    """Chain ``rows`` onto the fund's audit chain under its head's lock; returns their ids."""
    chain_key = unit_id or 0
    head = lock_audit_head(session, chain_key)
    seq, prev, now = head.last_seq, head.last_hash, utcnow()
    for row in rows:
        seq += 1
        digest = event_hash(prev_hash=prev, chain_key=chain_key, seq=seq, at=now, row=row)
        row.update(at=now, chain_key=chain_key, seq=seq, prev_hash=prev, hash=digest)
        prev = digest
    ids = reserve_ids(session, AUDIT_TABLE, len(rows))
    for row, event_id in zip(rows, ids, strict=False):
        row["id"] = event_id
    insert_rows(session, AUDIT_TABLE, rows)
    head.last_seq, head.last_hash = seq, prev
    session.flush()
    return ids


def lock_audit_head(session: Session, chain_key: int) -> AuditHead:
    """The chain's head, created on first use and locked for the rest of the transaction
    (one statement once it exists: every audited action but a fund's first)."""
    locked, params = _audit_head(), {"chain": chain_key}
    head = session.exec(locked, params=params).first()
    if head is not None:
        return head
    dialect = session.get_bind().dialect.name
    module = sqlite_dialect if dialect == "sqlite" else postgresql_dialect
    session.exec(  # a concurrent first use inserts it too: one wins, the other waits for it
        module.insert(AuditHead)
        .values(chain_key=chain_key, last_seq=0, last_hash="")
        .on_conflict_do_nothing(index_elements=["chain_key"])
    )
    return session.exec(locked, params=params).one()


@cache  # built once (every audited write locks its head): see ``journal._chain_head``
def _audit_head():
    return (
        select(AuditHead)
        .where(AuditHead.chain_key == bindparam("chain"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _dump(values: dict | None) -> str:
    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True) if values else ""


def audit_page(
    session: Session, *, unit_ids, page: int, per_page: int, cursor: Cursor | None = None
) -> Page[Any]:
    """``(event, username)`` of the units' events (``unit_ids``: ids or a select of them) and
    the unit-less ones, newest first: one page from ``cursor`` (an event id) or by number,
    and how many there are up to ``paging.COUNT_LIMIT``."""
    where = or_(in_units(col(AuditEvent.unit_id), unit_ids), col(AuditEvent.unit_id).is_(None))
    count = bounded_count(session, select(col(AuditEvent.id)).where(where))
    query = (
        select(AuditEvent, User.username)
        .outerjoin(User, col(User.id) == AuditEvent.user_id)
        .where(where)
    )
    return numbered_or_keyset(
        session,
        query,
        order=(col(AuditEvent.id),),
        key_of=lambda row: (row[0].id,),
        cursor=cursor,
        page=page,
        per_page=per_page,
        count=count,
    )
