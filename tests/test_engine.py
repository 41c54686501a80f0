"""The connections a server process keeps, on both databases."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import col

from ledger.engine import make_engine

#: gunicorn's threads a worker (gunicorn.conf.py) × the sessions a request may hold at once
#: (its reading session and its writing one)
BUSIEST = 8 * 2


def test_a_busy_worker_keeps_its_connections(db_url):
    """A worker with every thread inside a request holding both sessions, twice over, opens
    its connections once: none is closed on return and opened again for the next receipt
    (with 5 kept, each burst opened 11 anew, on PostgreSQL a new backend each)."""
    engine = make_engine(db_url)
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_args: opened.append(1))
    try:
        for _burst in range(3):
            held = [engine.connect() for _ in range(BUSIEST)]
            for connection in held:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
            for connection in held:
                connection.close()
        assert len(opened) == BUSIEST
    finally:
        engine.dispose()


def test_an_in_memory_sqlite_database_still_opens():
    """A script's ``sqlite://`` keeps SQLAlchemy's one-connection-a-thread pool (it has no
    overflow to size)."""
    for url in ("sqlite://", "sqlite:///:memory:"):
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        finally:
            engine.dispose()


def test_a_session_loads_a_row_by_id_as_get_does(session, unit, db_url):
    """``get`` answers as SQLAlchemy's: the row (one statement, the same object the second
    time), None for an id not there or a row deleted in the session, its options honoured."""
    from datetime import date

    from ledger.engine import get_engine
    from ledger.models import PeriodLock, Unit

    commune = unit("TT-DUNGTIEN")
    assert session.get(PeriodLock, commune.id) is None
    session.expunge_all()
    sent: list[str] = []
    engine = get_engine(db_url)

    def count(*args):
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        loaded = session.get(Unit, commune.id)
        assert (loaded.id, loaded.name) == (commune.id, commune.name) and len(sent) == 1
        assert session.get(Unit, commune.id) is loaded and len(sent) == 1
        assert session.get(Unit, 10**9) is None
        assert session.get(Unit, commune.id, with_for_update=True) is loaded
    finally:
        event.remove(engine, "before_cursor_execute", count)
    lock = PeriodLock(unit_id=commune.id, locked_through=date(2018, 1, 31))
    session.add(lock)
    assert session.get(PeriodLock, commune.id) is lock  # pending: flushed first, as get does
    session.delete(lock)
    session.flush()
    assert session.get(PeriodLock, commune.id) is None


def test_a_select_of_columns_sees_what_the_session_holds(session, unit):
    """A select of columns alone answers as the ORM's: scalars for one column, rows for
    several, and a change still pending in the session flushed first (not under
    ``no_autoflush``, nor from inside a flush)."""
    from datetime import date

    from sqlmodel import select

    from ledger.models import PeriodLock

    commune = unit("TT-DUNGTIEN")
    query = select(PeriodLock.locked_through).where(PeriodLock.unit_id == commune.id)
    assert session.exec(query).all() == []
    lock = PeriodLock(unit_id=commune.id, locked_through=date(2018, 1, 31))
    session.add(lock)
    with session.no_autoflush:
        assert session.exec(query).first() is None
    assert session.exec(query).one() == date(2018, 1, 31)
    pairs = select(PeriodLock.unit_id, PeriodLock.locked_through).where(
        PeriodLock.unit_id == commune.id
    )
    assert [tuple(row) for row in session.exec(pairs)] == [(commune.id, date(2018, 1, 31))]


def test_a_select_of_columns_reads_its_rows_before_the_loop_writes(session, unit):
    """As the ORM's: every row is read at once, so a loop writing to the table it reads
    sees the rows as they were; a streamed select (``yield_per``) still streams."""
    from sqlmodel import select, update

    from ledger.models import Unit

    ids = sorted(unit(code).id for code in ("TT", "TT-DUNGTIEN", "TT-CHUONGDUONG"))
    names = select(Unit.id, Unit.name).where(col(Unit.id).in_(ids)).order_by(col(Unit.id))
    before = [tuple(row) for row in session.exec(names)]
    seen = []
    for unit_id, name in session.exec(names):
        seen.append((unit_id, name))
        session.exec(update(Unit).where(col(Unit.id).in_(ids)).values(name=Unit.name + " *"))
    assert seen == before
    streamed = session.exec(
        select(Unit.id).where(col(Unit.id).in_(ids)).execution_options(yield_per=1)
    )
    assert sorted(streamed) == ids
    session.rollback()


def test_each_connection_carries_the_settings_the_ledger_relies_on(db_url):
    """SQLite: write-ahead log and foreign keys. PostgreSQL: no JIT (it compiled each of a
    check's per-chain range queries for 0.3–0.8 s: 60 of the 70 s of a national workbook's
    check at 10,000,000 receipts)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
            else:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                assert mode in ("wal", "memory")
    finally:
        engine.dispose()
