"""SQLite's checkpoints, taken after a writer's turn instead of inside it.

In WAL mode a commit appends to the log (``-wal``), and SQLite copies the log back into the
database (a checkpoint) from the commit that takes it past 1,000 pages. A checkpoint cannot
copy what a reader's older snapshot still needs (a request's own reading session is open
while its writing one commits), so it rarely finishes, and every later commit tries again:
measured in-process, a receipt's commit took 1.1 ms median (p90 5.2 ms) with these tries and
0.3 ms (p90 0.4 ms) without. That time was spent inside the writer's turn, which
``sqlite_writers``' queue holds until the connection returns to its pool, so every other
treasurer waited for it.

Here no connection checkpoints on commit (``wal_autocheckpoint=0``, set on connect). A
connection returning to its pool, after the queue was given back, checkpoints the file when
this process last did so ``INTERVAL`` ago or more. The checkpoint is ``PASSIVE``: it never
waits for a lock and never blocks a writer or a reader; what it cannot copy yet, the next
one copies. So the log holds about ``INTERVAL`` of writes (and what open snapshots hold
back, as before); a transaction that wrote a lot (an import) is copied as it ends; and SQLite
checkpoints the rest when the file's last connection closes. Programs that do not use this
module (the ``sqlite3`` shell) keep SQLite's own checkpoints.

A log file never shrinks on its own: SQLite reuses it from its start once copied. A long
reader (a national workbook's snapshot) holding checkpoints back while treasurers post lets
it grow (354 MB in 35 s of posting before this module), and it stayed that size on disk.
``journal_size_limit`` (``LOG_LIMIT_BYTES``) truncates it when it is next reused.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: seconds between two checkpoints of a file by one process (at ~100 receipts/s: ~2,500
#: pages, the log's ~10 MB)
INTERVAL = 0.5
#: the log's size on disk once it is reused (SQLite's ``journal_size_limit``)
LOG_LIMIT_BYTES = 64 * 1024 * 1024


class Checkpoints:
    """When a file was last checkpointed by this process, and the checkpoint itself."""

    def __init__(self) -> None:
        self.last = 0.0
        self._lock = threading.Lock()

    def due(self) -> bool:
        """True for one caller once ``INTERVAL`` has passed: it takes the checkpoint."""
        now = time.monotonic()
        if now - self.last < INTERVAL:
            return False
        with self._lock:
            if now - self.last < INTERVAL:
                return False
            self.last = now
            return True

    def after_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is None or not self.due():
            return
        try:
            dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            # busy or interrupted: the log stays, and the next checkpoint copies it
            return


def install(engine: Engine) -> Checkpoints:
    """Checkpoint ``engine``'s file when its connections return to the pool, and never on
    commit. Call after ``sqlite_writers.install``, so the queue is given back before the
    checkpoint starts (a pool's listeners run in the order they were added)."""
    checkpoints = Checkpoints()
    event.listen(engine, "connect", _on_connect)
    event.listen(engine.pool, "checkin", checkpoints.after_checkin)
    return checkpoints


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    """No checkpoint on commit; the log cut back to ``LOG_LIMIT_BYTES`` when reused."""
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0").close()
    dbapi_connection.execute(f"PRAGMA journal_size_limit={int(LOG_LIMIT_BYTES)}").close()
