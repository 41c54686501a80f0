"""The queue SQLite's writers wait in: a lock file beside the database, taken before
``BEGIN IMMEDIATE`` and given back when the connection returns to its pool.

SQLite has one write lock. A writer that finds it taken is left to SQLite's busy handler,
which sleeps and retries: 1, 2, 5, 10, … then 100 ms a time. With several treasurers posting
at once, a waiter sleeps on after the lock came free and a newcomer takes it first, so the
database stands idle between writers and an unlucky one waits for half a second. Here the
writers of one process queue on a thread lock and the processes (gunicorn's workers, the job
runner, the CLI) on an ``flock`` of ``<database>-writers.lock``: the kernel wakes the next one
the moment the lock is given back. SQLite's own lock still decides who writes; this only
orders the waiting (a program that does not take part, say the ``sqlite3`` shell, still works,
through the busy handler). The kernel gives back the ``flock`` of a killed process.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

#: how long a writer waits for the others of its process (SQLite's ``busy_timeout``)
WAIT_SECONDS = 30.0
#: the key, in a pooled connection's ``record_info``, of the token the queue's holder carries
_TOKEN = "sqlite_writer"


class WritersBusy(Exception):
    """Another writer of this process held the database longer than ``WAIT_SECONDS``."""


class WriterQueue:
    """One database file's queue, in one process."""

    def __init__(self, path: str) -> None:
        self.path = path + "-writers.lock"
        self._threads = threading.Lock()
        self._file: int | None = None
        self.holder: object | None = None  # the token of the pooled connection holding it

    def acquire(self, token: object) -> None:
        """Wait for every earlier writer, then hold the queue for ``token``'s connection."""
        if self.holder is token:
            return  # a second transaction on the same connection holds it already
        if not self._threads.acquire(timeout=WAIT_SECONDS):
            raise WritersBusy(self.path)
        try:
            if self._file is None:
                self._file = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        self.holder = token

    def release(self, token: object | None) -> None:
        """Give the queue back if ``token``'s connection holds it."""
        if token is None or self.holder is not token:
            return
        self.holder = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def held(self) -> bool:
        """Whether some connection of this process holds the queue."""
        return self.holder is not None

    def _forget_after_fork(self) -> None:
        # A forked child's copy of the file would keep the parent's flock alive if the parent
        # died; the child opens its own (its engines are new: engine.forget_engines_after_fork).
        if self._file is not None:
            os.close(self._file)
            self._file = None
        self.holder, self._threads = None, threading.Lock()


class _Registry:
    """One queue a file in a process, whichever engines write it (two would wait for each
    other)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queues: dict[str, WriterQueue] = {}

    def queue_for(self, path: str) -> WriterQueue:
        with self.lock:
            queue = self.queues.get(path)
            if queue is None:
                queue = self.queues[path] = WriterQueue(path)
            return queue

    def after_fork_in_child(self) -> None:
        self.lock = threading.Lock()  # a thread of the parent may have held it
        for queue in self.queues.values():
            queue._forget_after_fork()


_REGISTRY = _Registry()
os.register_at_fork(after_in_child=_REGISTRY.after_fork_in_child)


def database_path(engine: Engine) -> str | None:
    """The SQLite file ``engine`` writes, or None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database)


def install(engine: Engine) -> WriterQueue | None:
    """Make ``engine``'s writers (``BEGIN IMMEDIATE``) wait in the file's queue, and give it
    back when their connection returns to the pool (after its commit or rollback)."""
    path = database_path(engine)
    if path is None:
        return None
    queue = _REGISTRY.queue_for(path)

    def give_back(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            queue.release(record.record_info.get(_TOKEN))

    event.listen(engine.pool, "checkin", give_back)
    event.listen(engine.pool, "detach", give_back)
    return queue


def wait_in(queue: WriterQueue | None, connection: Connection) -> None:
    """Before ``connection`` begins writing: wait for the writers ahead of it."""
    if queue is not None:
        info = connection.connection.record_info
        if info is not None:
            queue.acquire(info.setdefault(_TOKEN, object()))
