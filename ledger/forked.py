"""Run one read-only database function in a forked child while the parent goes on.

A province's reconciliation workbook spends ~1.3 s re-verifying the hash chains and ~2.5 s
writing 600,000 cells; both are CPU-bound Python, so a thread would only take turns with the
writer under the GIL. A forked child checks on the second core with its own connection.

The child never touches the parent's pooled connections (it makes its own engine and leaves
with ``os._exit``). Where forking is unsafe or useless (no ``fork``, other threads in the
process, an in-memory database) or the child fails, the function simply runs in-process when
its result is asked for, so the answer is always the same, only sometimes later.
"""

from __future__ import annotations

import os
import pickle
import select
import threading
from collections.abc import Callable

from sqlmodel import Session

#: how long the parent waits for the child before doing the work itself
TIMEOUT_SECONDS = 600


class Pending:
    """The result of ``fn(session, *args)``, computed in a child process if possible."""

    def __init__(self, url: str, fn: Callable, *args):
        self.url, self.fn, self.args = url, fn, args
        self.pid: int | None
        self.pipe: int | None
        self.pid, self.pipe = _start(url, fn, args) if _can_fork(url) else (None, None)

    def result(self, session: Session):
        """The child's answer, or the same work done now with ``session``."""
        if self.pid is not None and self.pipe is not None:
            answer = _collect(self.pid, self.pipe)
            self.pid = None
            if answer is not None:
                return answer
        return self.fn(session, *self.args)


def _can_fork(url: str) -> bool:
    return (
        hasattr(os, "fork")
        and threading.active_count() == 1
        and url not in ("sqlite://", "sqlite:///:memory:")
    )


def _start(url: str, fn: Callable, args: tuple) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    os.close(read)  # the child: its own engine, its answer down the pipe, then gone
    code = 1
    try:
        from .engine import make_engine

        engine = make_engine(url)
        with Session(engine) as session:
            payload = pickle.dumps(fn(session, *args))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        code = 0
    finally:
        os._exit(code)


def _collect(pid: int, pipe: int):
    """The child's unpickled answer, or None if it failed or took too long."""
    chunks = []
    try:
        while select.select([pipe], [], [], TIMEOUT_SECONDS)[0]:
            chunk = os.read(pipe, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        else:
            os.kill(pid, 9)
    finally:
        os.close(pipe)
        _, status = os.waitpid(pid, 0)
    if status != 0 or not chunks:
        return None
    return pickle.loads(b"".join(chunks))
