"""The connections a server process keeps, on both databases."""

from __future__ import annotations

from sqlalchemy import event

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
