"""Rendered answers kept on disk (charts, public pages), shared by every worker process.

A key names what an answer shows *and* the data version it was drawn from
(``services.versions``), so an entry is never stale: a new posting changes the version and
therefore the key, and the old file is simply never asked for again. Files are written to a
temporary name and renamed, so a reader sees a whole file or none; the folder is trimmed to
the newest ``MAX_FILES`` on write.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

#: entries kept per folder; the oldest (by modification time) go first
MAX_FILES = 2000


def key_of(*parts: object) -> str:
    """A file name for ``parts`` (their ``repr``s hashed: any mix of str, int, date, tuple)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def cached(folder: Path, key: str, make: Callable[[], bytes]) -> bytes:
    """The bytes stored under ``key`` in ``folder``, else ``make()``'s, stored for next time."""
    path = folder / key
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    content = make()
    store(folder, key, content)
    return content


def store(folder: Path, key: str, content: bytes) -> None:
    """Write ``content`` under ``key`` atomically (a failure to write only costs the cache)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, folder / key)
        _trim(folder)
    except OSError:
        return


def _trim(folder: Path) -> None:
    entries = list(os.scandir(folder))
    if len(entries) <= MAX_FILES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime)
    for entry in entries[: len(entries) - MAX_FILES // 2]:
        try:
            os.unlink(entry.path)
        except FileNotFoundError:
            continue
