"""Many-row inserts with ids known before the rows are written.

Receipts, their entries and the entries' postings point at each other, so their ids are
reserved first (one query) and every table is then written in one pass: ``COPY`` on
PostgreSQL (psycopg rebuilds and re-parses a multi-row ``INSERT … VALUES`` of thousands of
parameters on every batch, which cost more than the database's own work), one ``executemany``
on SQLite. Constraints, foreign keys and defaults apply exactly as for ``INSERT``.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Table, func, insert, text
from sqlmodel import Session, select

from .memo import forget


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, increasing.

    SQLite: above the largest id, which is safe because a writing transaction holds the
    database's only write lock (``BEGIN IMMEDIATE``). PostgreSQL: from the table's sequence.
    """
    if count <= 0:
        return []
    if _is_sqlite(session):
        top = session.exec(_largest_id(table)).one()
        return list(range(top + 1, top + 1 + count))
    # raw SQL runs on the session's connection (sqlmodel's exec takes selects and DML); one
    # round trip: a receipt reserves ids in three tables, each asked its sequence's name before
    ids = (
        session.connection()
        .execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id'))"
                " FROM generate_series(1, :count)"
            ),
            {"table": table.name, "count": count},
        )
        .scalars()
    )
    return sorted(ids)


@cache  # built once per table: SQLAlchemy builds a statement slower than SQLite answers it
def _largest_id(table: Table):
    return select(func.coalesce(func.max(table.c.id), 0))


@cache
def _insert(table: Table):
    return insert(table)


#: up to this many rows go to PostgreSQL as one INSERT: COPY costs a round trip more (the
#: server's go-ahead before the data), which a single receipt's four tables paid each time
FEW_ROWS = 20


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Write ``rows`` (dicts with the same keys) into ``table`` in the current transaction."""
    if not rows:
        return
    session.flush()  # rows may point at objects still pending in the session
    forget(session)  # a write the session's events do not see (``memo``)
    if _is_sqlite(session) or len(rows) <= FEW_ROWS:
        session.connection().execute(_insert(table), rows)
        return
    columns = list(rows[0])
    quote = session.get_bind().dialect.identifier_preparer
    names = ", ".join(quote.quote(table.c[name].name) for name in columns)
    connection = session.connection().connection.driver_connection
    assert connection is not None  # a live psycopg connection inside the transaction
    statement = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"
