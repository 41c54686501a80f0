"""Facts a request reads several times (the unit tree's version, the settings, the management
categories), read once a transaction and read again after anything the session writes.

A national page asked the database for the same settings three times: on PostgreSQL every
statement costs a round trip (0.3–1 ms here), whatever it reads. The memo lives in the
session (``session.info``) and is forgotten after each flush, each INSERT, UPDATE or DELETE
sent through the session, and at the end of the transaction, so a later transaction reads
what others committed.

Writes sent on the session's connection itself (``session.connection().execute``) are not
seen: ``bulk.insert_rows`` forgets by hand, and nothing writes units, settings or categories
any other way (the ORM, or ``session.exec(insert(...))``, as the bench's generator does). On
PostgreSQL a request's reading session keeps what it read even when the request's writing
session commits a change afterwards: write views redirect, so the next request reads anew.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event
from sqlmodel import Session

T = TypeVar("T")
_KEY = "memo.read_once"


def read_once(session: Session, name: str, read: Callable[[], T]) -> T:
    """``read()``'s answer, remembered under ``name`` for the rest of the transaction (until
    the session writes)."""
    memo = session.info.setdefault(_KEY, {})
    if name not in memo:
        memo[name] = read()
    return memo[name]


def remembers(session: Session, name: str) -> bool:
    """Whether ``name`` was read in this transaction (and nothing written since)."""
    return name in session.info.get(_KEY, ())


def forget(session: Session) -> None:
    """Drop what was remembered (the listeners below call it)."""
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    forget(session)


@event.listens_for(Session, "do_orm_execute")
def _after_write(state) -> None:
    if not state.is_select:  # an INSERT, UPDATE or DELETE sent through the session
        forget(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, _transaction) -> None:
    """Any transaction's end, a savepoint's too: what was read after a write inside a savepoint
    that is then rolled back must not outlive it."""
    forget(session)
