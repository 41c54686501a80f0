"""Engines and sessions, without Flask: the services' forked children, the bench and scripts.

SQLite runs in WAL with foreign keys on; a session that writes opens its transaction with
``BEGIN IMMEDIATE`` so two writers never read the same balance (no lost update), after waiting
its turn in ``sqlite_writers``' queue. PostgreSQL uses row locks taken by the services
(``SELECT … FOR UPDATE``). The request's sessions are wired in ``db.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, partial
from typing import Any

from sqlalchemy import ColumnElement, bindparam, create_engine, event, inspect
from sqlalchemy import Select as SQLSelect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from . import sqlite_checkpoints, sqlite_writers

#: connections a process keeps: each of gunicorn's 8 threads may hold two at once (the
#: request's reading session and its writing one). With 5 kept, as before, connections past
#: the fifth were closed on return, so under load each few receipts paid for a new one (a
#: PostgreSQL backend: 425 opened in a 15 s posting run, against 30 now; README "Posting")
POOL = {"pool_size": 16, "max_overflow": 4}

_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas and begin mode this ledger relies on."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not url.startswith("sqlite"):
        # no JIT: the ledger's queries are short, but PostgreSQL's guesses for a check's
        # per-chain ranges run to a third of a table, and it compiled each one (0.3–0.8 s a
        # query: 60 of the 70 s of a national workbook's check at 10,000,000 receipts)
        return create_engine(
            url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, **POOL
        )
    # an in-memory database keeps SQLAlchemy's pool of one connection a thread
    pool = POOL if sqlite_writers.database_path(url) else {}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
    event.listen(engine, "connect", _sqlite_on_connect)
    writers = sqlite_writers.install(engine)
    event.listen(engine, "begin", partial(_sqlite_on_begin, writers))
    if writers is not None:  # a file: checkpoints after the writer's turn, not in its commit
        sqlite_checkpoints.install(engine)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener emit BEGIN itself
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(writers: sqlite_writers.WriterQueue | None, connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode == "IMMEDIATE":
        sqlite_writers.wait_in(writers, connection)
    connection.exec_driver_sql(f"BEGIN {mode}")


def get_engine(url: str) -> Engine:
    """The engine for ``url``, created once per process."""
    engine = _ENGINES.get(url)
    if engine is None:
        with _ENGINES_LOCK:  # threaded workers: one engine (one pool) per URL
            engine = _ENGINES.get(url) or _ENGINES.setdefault(url, make_engine(url))
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, forks)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def forget_engines_after_fork() -> None:
    """In a forked child: drop the parent's pools without closing their connections (closing
    a PostgreSQL socket the parent shares would end the parent's session too)."""
    for engine in _ENGINES.values():
        engine.dispose(close=False)
    _ENGINES.clear()


class LedgerSession(Session):
    """A session whose ``get`` of a row not yet in it runs a select built once per table.

    ``Session.get`` builds its select anew on every call: 121 µs of CPU a row here, against
    74 µs for the same select built once (a receipt and its voucher page load 9 rows by id:
    the user, the units, the lock, the receipt…). A row already in the session, a composite or
    non-integer key, and any option (``with_for_update``, ``populate_existing``…) go the
    ordinary way; the select autoflushes first, as ``get`` does."""

    def get(self, entity: Any, ident: Any, **options: Any) -> Any:
        mapper = inspect(entity)
        if options or type(ident) is not int or len(mapper.primary_key) != 1:
            return super().get(entity, ident, **options)
        if mapper.always_refresh or mapper.identity_key_from_primary_key([ident]) in (
            self.identity_map
        ):
            return super().get(entity, ident)  # its own rules for expired and deleted rows
        return self.exec(_by_key(mapper.class_), params={"key": ident}).first()

    def exec(self, statement: Any, *, params: Any = None, **options: Any) -> Any:
        """A select of columns alone (no entity, no ORM option) runs on the session's
        connection: the ORM's work around each statement (contexts, events, result
        processing) made a one-column select by key take 120 µs here, 38 µs without it
        (13 of a receipt and its voucher page's 46 statements). As the ORM's, it autoflushes
        first and reads all its rows at once (a loop that writes to the table it reads does
        not see its own writes); a streamed select (``yield_per``) and anything else go the
        ordinary way. One difference: an unlabeled expression's row key is ``count_1``, not
        ``count`` (label what you read by name)."""
        if options or not _columns_only(statement):
            return super().exec(statement, params=params, **options)
        self._autoflush()  # the ORM's own: not inside a flush, not under ``no_autoflush``
        result = self.connection().execute(statement, params).freeze()()
        return result.scalars() if isinstance(statement, SelectOfScalar) else result


def _columns_only(statement: Any) -> bool:
    return (
        isinstance(statement, SQLSelect)
        and not statement._with_options
        and not _ORDINARY.intersection(statement.get_execution_options())
        and all(isinstance(column, ColumnElement) for column in statement._raw_columns)
    )


#: a statement's own options that the ordinary way honours: rows streamed, no autoflush
_ORDINARY = frozenset({"yield_per", "stream_results", "autoflush"})


@cache
def _by_key(model: type) -> Any:
    key: Any = inspect(model).primary_key[0]
    return select(model).where(key == bindparam("key"))


def new_session(engine: Engine, *, write: bool) -> Session:
    """A session; ``write`` makes SQLite take the write lock at BEGIN."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    return LedgerSession(bind=bind, expire_on_commit=False)


def snapshot_session(engine: Any) -> Session:
    """A reading session that sees one snapshot for all its statements (PostgreSQL's
    REPEATABLE READ; a SQLite read transaction already does): the check's positions, links
    and heads, and a workbook's summary and rows, read as of one moment."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return new_session(engine, write=False)


@contextmanager
def session_scope(url: str, *, write: bool = True) -> Iterator[Session]:
    """A session on ``url`` for the CLI and scripts: commit on success, roll back on error."""
    session = new_session(get_engine(url), write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
