"""The Flask glue: one reading and one writing session per request, the app's database.

Engines and sessions themselves are made in ``engine.py`` (no Flask), which the services,
the bench and scripts use directly.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import engine
from .blobs import BlobStore, store_from_config


def session_scope(*, write: bool = True, url: str | None = None) -> AbstractContextManager[Session]:
    """A session on the app's database (or ``url``) for the CLI: commit on success, roll back
    on error."""
    return engine.session_scope(url or current_app.config["DATABASE_URL"], write=write)


def get_session() -> Session:
    """The request's reading session (a deferred transaction: it never blocks writers)."""
    if "db_session" not in g:
        g.db_session = engine.new_session(_app_engine(), write=False)
    return g.db_session


def get_write_session() -> Session:
    """The request's writing session: ``BEGIN IMMEDIATE`` on SQLite, held only while a
    submission is applied, so concurrent writers wait for milliseconds, not whole requests."""
    if "db_write_session" not in g:
        g.db_write_session = engine.new_session(_app_engine(), write=True)
    return g.db_write_session


def get_snapshot_session() -> Session:
    """The request's reading session that sees one snapshot for all its statements (PostgreSQL's
    REPEATABLE READ): a workbook sent while the browser waits must not take a receipt posted
    meanwhile into its rows and leave it out of its summary."""
    if "db_snapshot_session" not in g:
        g.db_snapshot_session = engine.snapshot_session(_app_engine())
    return g.db_snapshot_session


def _app_engine() -> Engine:
    return engine.get_engine(current_app.config["DATABASE_URL"])


def evidence_store() -> BlobStore:
    """The evidence files' blob store the app's configuration names."""
    return store_from_config(current_app.config, current_app.instance_path)


def close_session(_exc=None) -> None:
    """Teardown: roll back whatever was not committed and close."""
    for name in ("db_write_session", "db_session", "db_snapshot_session"):
        session = g.pop(name, None)
        if session is not None:
            session.rollback()
            session.close()


def init_app(app) -> None:
    """Register the teardown that closes the request's session."""
    app.teardown_appcontext(close_session)
