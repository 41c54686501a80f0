"""Online, consistent backups: SQLite's backup API, or pg_dump for PostgreSQL.

Restore (documented in the README):
- SQLite: stop the app, copy the backup file over the database file (or point
  ``LEDGER_DATABASE_URL`` at it), run ``flask --app ledger check``.
- PostgreSQL: ``createdb NEW && pg_restore --no-owner -d NEW BACKUP``, point
  ``LEDGER_DATABASE_URL`` at NEW, run ``flask --app ledger check``.

Evidence files are copied after the database, into ``BACKUP.evidence/`` beside it (one file
per blob, named by its sha256): a row in the database copy was committed after its blob was
written, so every file the copy names is in the folder. ``restore-evidence BACKUP`` puts them
back into the configured store, each re-hashed on the way.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from .blobs import BlobStore, FolderStore, sha256_of


def backup(url: str, out: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``out`` while it is in use."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        _sqlite(url.split("///", 1)[1], out)
    else:
        _postgres(url, out)


def _sqlite(path: str, out: Path) -> None:
    """The backup API copies a snapshot page by page without stopping writers."""
    if out.exists():
        out.unlink()
    source = sqlite3.connect(path, timeout=30)
    target = sqlite3.connect(out)
    try:
        source.backup(target, pages=1024)
    finally:
        target.close()
        source.close()


def _postgres(url: str, out: Path) -> None:
    """pg_dump in custom format (one consistent snapshot); restore with pg_restore."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    command = [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={out}",
        f"--host={parts.hostname or '127.0.0.1'}",
        f"--port={parts.port or 5432}",
        f"--username={parts.username or 'postgres'}",
        parts.path.lstrip("/"),
    ]
    env = {**os.environ, "PGPASSWORD": parts.password} if parts.password else None
    subprocess.run(command, check=True, env=env)


def restore_postgres(backup_file: Path, url: str) -> None:
    """Load a pg_dump backup into the (empty) database at ``url``."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            f"--host={parts.hostname or '127.0.0.1'}",
            f"--port={parts.port or 5432}",
            f"--username={parts.username or 'postgres'}",
            f"--dbname={parts.path.lstrip('/')}",
            str(backup_file),
        ],
        check=True,
    )


def evidence_folder(out: Path) -> Path:
    """Where a backup's evidence files go: ``ledger.db`` → ``ledger.db.evidence/``."""
    return Path(out).with_name(Path(out).name + ".evidence")


def backup_blobs(store: BlobStore, folder: Path) -> int:
    """Copy every blob of ``store`` not yet in ``folder`` (a backup taken again adds only the
    new ones); the number copied."""
    target = FolderStore(folder)
    copied = 0
    for digest in store.names():
        if target.has(digest):
            continue
        data = store.get(digest)
        if data is not None:
            target.put(data)
            copied += 1
    return copied


def restore_blobs(folder: Path, store: BlobStore) -> tuple[int, list[str]]:
    """Put a backup's blobs back into ``store``: the number written, and the names of any
    whose bytes no longer match their name (left out, for ``check`` to report)."""
    source, written, bad = FolderStore(folder), 0, []
    for digest in source.names():
        data = source.get(digest)
        if data is None or sha256_of(data) != digest:
            bad.append(digest)
            continue
        if not store.has(digest) or sha256_of(store.get(digest) or b"") != digest:
            store.put(data)
            written += 1
    return written, bad
