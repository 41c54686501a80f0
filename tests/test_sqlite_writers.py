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

    process = context.Process(target=hold)
    process.start()
    assert holding.wait(30)
    assert not _lock_is_free(url)
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    engine = make_engine(url)
    with new_session(engine, write=True) as session:  # waits for nothing now
        session.execute(text("INSERT INTO t (who) VALUES ('next')"))
        session.commit()
    with new_session(engine, write=False) as session:
        assert session.execute(text("SELECT who FROM t")).scalars().all() == ["next"]
