"""The queue SQLite's writers wait in: a lock file beside the database, taken before
``BEGIN IMMEDIATE`` and given back when the connection returns to its pool.

SQLite has one write lock. A writer that finds it taken is left to SQLite's busy handler,
which sleeps and retries: 1, 2, 5, 10, … then 100 ms a time. With several treasurers posting
at once, a waiter sleeps on after the lock came free and a newcomer takes it first, so the
database stands idle between writers and an unlucky one waits for a second. Here the writers
of one process queue on a thread lock, which wakes the next at once, and the first of them
waits for the other processes (gunicorn's workers, the job runner, the CLI) on an ``flock`` of
``<database>-writers.lock``, tried every millisecond. SQLite's own lock still decides who
writes; this only orders the waiting. A program that does not take part (the ``sqlite3``
shell) still works, through the busy handler; so does a writer whose wait ran out
(``WAIT_SECONDS``) or that cannot open the lock file. The kernel drops the ``flock`` of a
process that dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import URL, Connection, Engine

#: how long a writer waits in the queue before it goes on without it, to SQLite's busy
#: handler (as it did before the queue): a writer that keeps its turn for longer (a
#: connection kept open after its commit, a stopped process) delays the others, never stops them
WAIT_SECONDS = 30.0
#: how often the first waiter of a process tries the lock file again (the others of the
#: process wait on its thread lock, which wakes them at once)
POLL_SECONDS = 0.001
#: the key, in a pooled connection's ``record_info``, of the token the queue's holder carries
_TOKEN = "sqlite_writer"


class WriterQueue:
    """One database file's queue, in one process."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.path = database + "-writers.lock"
        self._threads = threading.Lock()
        self._file: int | None = None  # the lock file, open only during a turn
        self.holder: object | None = None  # the token of the pooled connection holding it

    def acquire(self, token: object) -> bool:
        """Wait for the writers ahead (at most ``WAIT_SECONDS``), then hold the queue for
        ``token``'s connection. False when the wait ran out or the lock file cannot be
        opened: the writer goes on without the queue, as it did before there was one."""
        if self.holder is token:
            return True  # a second transaction on the same connection holds it already
        deadline = time.monotonic() + WAIT_SECONDS
        if not self._threads.acquire(timeout=WAIT_SECONDS):
            return False
        try:
            handle = self._open()
        except OSError:
            self._threads.release()
            return False
        taken = False
        try:
            taken = _take(handle, deadline)
        finally:
            if not taken:  # the wait ran out, or was interrupted (closing drops the flock)
                os.close(handle)
                self._threads.release()
        if taken:
            self._file, self.holder = handle, token
        return taken

    def release(self, token: object | None) -> None:
        """Give the queue back if ``token``'s connection holds it."""
        if token is None or self.holder is not token:
            return
        handle, self._file, self.holder = self._file, None, None
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)  # a forked child's copy must not keep it
            os.close(handle)
        self._threads.release()

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CLOEXEC
        try:
            handle = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return os.open(self.path, flags)
        with contextlib.suppress(OSError):  # not ours to change: it opens, that is enough
            _match_owner_and_mode(handle, self.database)
        return handle

    def _forget_after_fork(self) -> None:
        # The child closes its copy of the parent's open lock file without unlocking it (that
        # would end the parent's turn); its own writers open their own.
        if self._file is not None:
            os.close(self._file)
            self._file = None
        self.holder, self._threads = None, threading.Lock()


def _take(handle: int, deadline: float) -> bool:
    """Take the lock file's ``flock`` once no other process holds it; False at ``deadline``."""
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


def _match_owner_and_mode(handle: int, database: str) -> None:
    """The lock file gets the database's owner and mode, as SQLite gives its ``-wal`` and
    ``-shm`` files: an administrator's CLI run as root must not lock the app out of it."""
    stat = os.stat(database)
    os.fchmod(handle, stat.st_mode & 0o666)
    if os.geteuid() == 0:
        os.fchown(handle, stat.st_uid, stat.st_gid)


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


def database_path(url: URL | str) -> str | None:
    """The SQLite file a database ``url`` names, its links resolved (one queue a file,
    however it is named), or None for an in-memory database (or a ``file:`` URI)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.realpath(database)


def install(engine: Engine) -> WriterQueue | None:
    """Make ``engine``'s writers (``BEGIN IMMEDIATE``) wait in the file's queue, and give it
    back when their connection returns to the pool (after its commit or rollback)."""
    path = database_path(engine.url)
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
