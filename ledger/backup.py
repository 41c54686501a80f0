"""Online, consistent backups: SQLite's backup API, or pg_dump for PostgreSQL.

Restore (documented in the README):
- SQLite: stop the app, copy the backup file over the database file (or point
  ``LEDGER_DATABASE_URL`` at it), run ``flask --app ledger check``.
- PostgreSQL: ``createdb NEW && pg_restore --no-owner -d NEW BACKUP``, point
  ``LEDGER_DATABASE_URL`` at NEW, run ``flask --app ledger check``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit


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
