"""SQLite's writers wait their turn in a queue (``ledger/sqlite_writers.py``), not in SQLite's
busy handler: no writer fails or starves when several processes post at once, and the queue is
given back whenever a writer's connection is done, however it ended."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
import threading
import time

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from ledger import sqlite_writers
from ledger.engine import make_engine, new_session


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    engine = make_engine(url)
    with new_session(engine, write=True) as session:
        session.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, who TEXT)"))
        session.commit()
    engine.dispose()
    return url


def _lock_is_free(url: str) -> bool:
    """Whether another open of the lock file could take it now."""
    path = url.removeprefix("sqlite:///") + "-writers.lock"
    handle = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(handle)
    return True


def _without_busy_handler(engine) -> None:
    """SQLite answers "database is locked" at once: only the queue can make a writer wait."""
    event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=0"))


def _writer_process(url: str, who: str, count: int, failures) -> None:
    engine = make_engine(url)
    _without_busy_handler(engine)

    def write() -> None:
        for _ in range(count):
            try:
                with new_session(engine, write=True) as session:
                    session.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": who})
                    time.sleep(0.002)  # the rest of a posting, holding the write lock
                    session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the parent
                failures.put(f"{who}: {error}")

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_writers_of_two_processes_take_turns_instead_of_failing(url):
    # Two processes of four threads each, as gunicorn's workers: with SQLite's busy handler off,
    # a writer that did not wait its turn in the queue would get "database is locked".
    context = multiprocessing.get_context("fork")
    failures = context.Queue()
    processes = [
        context.Process(target=_writer_process, args=(url, who, 25, failures)) for who in ("a", "b")
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    reported = []
    while not failures.empty():
        reported.append(failures.get())
    assert reported == []
    engine = make_engine(url)
    with new_session(engine, write=False) as session:
        counts = dict(session.execute(text("SELECT who, count(*) FROM t GROUP BY who")).all())
    assert counts == {"a": 100, "b": 100}
    assert _lock_is_free(url)


def test_a_writer_holds_the_queue_until_its_connection_is_done(url):
    engine = make_engine(url)
    reader = new_session(engine, write=False)
    reader.execute(text("SELECT count(*) FROM t")).scalar()
    assert _lock_is_free(url)  # reading takes no turn
    reader.close()

    writer = new_session(engine, write=True)
    writer.execute(text("INSERT INTO t (who) VALUES ('a')"))
    assert not _lock_is_free(url)
    writer.commit()
    assert _lock_is_free(url)

    writer.execute(text("INSERT INTO t (who) VALUES ('b')"))
    assert not _lock_is_free(url)
    writer.rollback()
    assert _lock_is_free(url)

    writer.execute(text("INSERT INTO t (n, who) VALUES (100, 'c')"))
    with pytest.raises(IntegrityError):  # a statement that fails: the turn ends with the session
        writer.execute(text("INSERT INTO t (n, who) VALUES (100, 'd')"))
    writer.close()
    assert _lock_is_free(url)
    with new_session(engine, write=False) as session:
        assert session.execute(text("SELECT who FROM t")).scalars().all() == ["a"]


def test_the_turn_of_a_killed_writer_passes_to_the_next(url):
    context = multiprocessing.get_context("fork")
    holding = context.Event()

    def hold() -> None:
        session = new_session(make_engine(url), write=True)
        session.execute(text("INSERT INTO t (who) VALUES ('killed')"))
        holding.set()
        time.sleep(60)

    process = context.Process(target=hold, daemon=True)
    process.start()
    try:
        assert holding.wait(30)
        assert not _lock_is_free(url)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    assert _lock_is_free(url)
    engine = make_engine(url)
    with new_session(engine, write=True) as session:  # waits for nothing now
        session.execute(text("INSERT INTO t (who) VALUES ('next')"))
        session.commit()
    with new_session(engine, write=False) as session:
        assert session.execute(text("SELECT who FROM t")).scalars().all() == ["next"]


def test_a_writer_that_waited_its_fill_goes_on_to_sqlite_as_before(url, monkeypatch):
    # Another process keeps its turn (say a connection left open after its commit) while
    # SQLite's own lock is free: the writer waits WAIT_SECONDS, then writes anyway.
    monkeypatch.setattr(sqlite_writers, "WAIT_SECONDS", 0.3)
    path = url.removeprefix("sqlite:///") + "-writers.lock"
    keeper = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(keeper, fcntl.LOCK_EX)
    try:
        engine = make_engine(url)
        started = time.monotonic()
        with new_session(engine, write=True) as session:
            session.execute(text("INSERT INTO t (who) VALUES ('patient')"))
            session.commit()
        assert 0.3 <= time.monotonic() - started < 10
    finally:
        os.close(keeper)
    assert _lock_is_free(url)
    with new_session(engine, write=True) as session:  # and the queue works again after
        session.execute(text("INSERT INTO t (who) VALUES ('next')"))
        assert not _lock_is_free(url)
        session.commit()
    with new_session(engine, write=False) as session:
        assert session.execute(text("SELECT who FROM t")).scalars().all() == ["patient", "next"]


def test_a_lock_file_that_cannot_be_opened_leaves_writing_to_sqlite(url, monkeypatch):
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("-writers.lock"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(sqlite_writers.os, "open", refuse)
    engine = make_engine(url)
    with new_session(engine, write=True) as session:
        session.execute(text("INSERT INTO t (who) VALUES ('a')"))
        session.commit()
    with new_session(engine, write=True) as session:
        session.execute(text("INSERT INTO t (who) VALUES ('b')"))
        session.commit()
    with new_session(engine, write=False) as session:
        assert session.execute(text("SELECT who FROM t")).scalars().all() == ["a", "b"]


def test_one_file_has_one_queue_whatever_its_name(url, tmp_path):
    # Two names of one file in one process (a linked folder): two queues would each open the
    # lock file, and a writer of one would wait for the other's flock without end.
    alias = tmp_path.parent / (tmp_path.name + "-link")
    alias.symlink_to(tmp_path)
    first = make_engine(url)
    second = make_engine(f"sqlite:///{alias / 'queue.db'}")
    assert sqlite_writers.database_path(first.url) == sqlite_writers.database_path(second.url)
    with new_session(first, write=True) as session:
        session.execute(text("INSERT INTO t (who) VALUES ('a')"))
        session.commit()
    with new_session(second, write=True) as session:
        session.execute(text("INSERT INTO t (who) VALUES ('b')"))
        assert not _lock_is_free(url)
        session.commit()
    assert _lock_is_free(url)
    assert not (alias / "queue.db-writers.lock").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".lock")) == [
        "queue.db-writers.lock"
    ]


def test_the_lock_file_has_the_databases_owner_and_mode(url):
    database = url.removeprefix("sqlite:///")
    os.remove(database + "-writers.lock")  # this write is the first to queue
    os.chmod(database, 0o640)
    if os.geteuid() == 0:  # an administrator's CLI: the file must stay the app's
        os.chown(database, 65534, 65534)
    engine = make_engine(url)
    with new_session(engine, write=True) as session:
        session.execute(text("INSERT INTO t (who) VALUES ('admin')"))
        session.commit()
    lock, db = os.stat(database + "-writers.lock"), os.stat(database)
    assert (lock.st_uid, lock.st_gid) == (db.st_uid, db.st_gid)
    assert lock.st_mode & 0o777 == 0o640
