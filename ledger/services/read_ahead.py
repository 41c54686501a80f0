"""Read ahead: a cursor's next batches fetched on a thread while the caller works on the
current one.

A nation's workbook reads a million receipts from one cursor and renders each to the sheet's
XML. Fetched in line, the database's time to produce each batch (about 2 s of the million on
PostgreSQL) and the rendering took turns; the drivers let go of the GIL while they wait on the
server (psycopg) or step the statement (sqlite3), so a thread fetching the next batches
overlaps the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from queue import Empty, Full, Queue
from threading import Event, Thread
from typing import TypeVar

T = TypeVar("T")
_END = object()
#: how long a side waits on the other before looking whether it should stop
_POLL = 0.1


def read_ahead(batches: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``batches`` in order, up to ``depth`` of them fetched ahead on a thread. An error
    raised while fetching is raised here; a caller that stops early stops the thread (once
    the batch it is fetching is in) before this generator closes."""
    queue: Queue = Queue(maxsize=depth)
    stop = Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=_POLL)
                return True
            except Full:
                continue
        return False

    def fill() -> None:
        try:
            for batch in batches:
                if not put((batch, None)):
                    return
            put((_END, None))
        except BaseException as error:  # noqa: BLE001 - handed to the reader, raised there
            put((_END, error))

    thread = Thread(target=fill, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item, error = queue.get(timeout=_POLL)
            except Empty:
                if not thread.is_alive() and queue.empty():
                    raise RuntimeError("the read-ahead thread ended without a word") from None
                continue
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()
