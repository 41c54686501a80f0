"""SQLite's log is copied back into the database after a writer's turn, not inside its commit
(``ledger/sqlite_checkpoints.py``): the other writers do not wait for it, and the log stays
small while requests keep reading."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from ledger import sqlite_checkpoints, sqlite_writers
from ledger.engine import make_engine, new_session

ROW = "x" * 3000  # about a page of the log for each row written


@pytest.fixture
def engine(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_checkpoints, "INTERVAL", 0.0)
    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    with new_session(engine, write=True) as session:
        session.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT)"))
        session.commit()
    yield engine
    engine.dispose()


def _autocheckpoint(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


def test_a_file_never_checkpoints_inside_a_commit(engine):
    assert _autocheckpoint(engine) == 0


def test_sqlite_keeps_its_own_checkpoints_where_this_takes_none(tmp_path):
    """In memory, or named by a ``file:`` URI (no queue, so no checkpoint after the turn),
    SQLite checkpoints on commit as it always did (every 1,000 pages)."""
    for url in ("sqlite://", f"sqlite:///file:{tmp_path / 'uri.db'}?uri=true"):
        other = make_engine(url)
        try:
            assert _autocheckpoint(other) == 1000
        finally:
            other.dispose()


def test_the_log_stays_small_while_requests_read(engine, tmp_path):
    """Each "request" reads, then writes while its reading session is still open (as a
    receipt's does), then ends. Without a checkpoint the log would hold every row written
    (300 pages, 1.2 MB and more); with one after each turn it is reused from its start."""
    for _ in range(300):
        with new_session(engine, write=False) as reading:
            reading.execute(text("SELECT count(*) FROM t")).scalar()
            with new_session(engine, write=True) as writing:
                writing.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": ROW})
                writing.commit()
    with new_session(engine, write=False) as reading:
        assert reading.execute(text("SELECT count(*) FROM t")).scalar() == 300
    assert os.path.getsize(tmp_path / "log.db-wal") < 100 * 4096


def test_a_log_grown_behind_a_long_reader_is_cut_back(tmp_path, monkeypatch):
    """A reader holding its snapshot (a workbook's) while others write lets the log grow;
    once the reader is done and the log copied, the next write cuts the file back to the
    limit, instead of it keeping its largest size on disk for good."""
    monkeypatch.setattr(sqlite_checkpoints, "INTERVAL", 0.0)
    monkeypatch.setattr(sqlite_checkpoints, "LOG_LIMIT_BYTES", 64 * 1024)
    engine = make_engine(f"sqlite:///{tmp_path / 'long.db'}")
    log = tmp_path / "long.db-wal"
    try:
        with new_session(engine, write=True) as session:
            session.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT)"))
            session.commit()
        with new_session(engine, write=False) as long_reader:
            long_reader.execute(text("SELECT count(*) FROM t")).scalar()
            for _ in range(300):
                with new_session(engine, write=True) as writing:
                    writing.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": ROW})
                    writing.commit()
            assert os.path.getsize(log) > 300 * 3000
        for _ in range(2):  # the first copies the log once the reader is gone, the next reuses it
            with new_session(engine, write=True) as writing:
                writing.execute(text("INSERT INTO t (body) VALUES ('one')"))
                writing.commit()
        assert os.path.getsize(log) <= 64 * 1024
    finally:
        engine.dispose()


def test_the_checkpoint_comes_after_the_writers_turn(engine, monkeypatch):
    """The queue is given back before the checkpoint starts, so no other writer waits for
    the copying."""
    queue = sqlite_writers._REGISTRY.queue_for(sqlite_writers.database_path(engine.url))
    holders: list[object | None] = []
    checkpoint = sqlite_checkpoints.Checkpoints.after_checkin

    def spy(self, dbapi_connection, record):
        holders.append(queue.holder)
        checkpoint(self, dbapi_connection, record)

    monkeypatch.setattr(sqlite_checkpoints.Checkpoints, "after_checkin", spy)
    engine.dispose()  # new connections, with the spy as their pool's listener
    fresh = make_engine(str(engine.url))
    try:
        with new_session(fresh, write=True) as writing:
            writing.execute(text("INSERT INTO t (body) VALUES ('one')"))
            writing.commit()
    finally:
        fresh.dispose()
    assert holders and holders == [None] * len(holders)


def test_one_checkpoint_an_interval(monkeypatch):
    """Two connections returning within the interval: only the first checkpoints."""
    monkeypatch.setattr(sqlite_checkpoints, "INTERVAL", 60.0)
    checkpoints = sqlite_checkpoints.Checkpoints()
    assert checkpoints.due() is True
    assert checkpoints.due() is False
