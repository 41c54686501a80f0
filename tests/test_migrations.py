"""Migrations: ``upgrade head`` on an empty database matches the models (no drift)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import ledger.models  # noqa: F401  (registers every table)


def test_upgrade_head_matches_the_models(db_url):
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert set(SQLModel.metadata.tables) <= tables


def test_money_columns_are_64_bit(db_url):
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        inspector = inspect(conn)
        money = {
            (t, c["name"]): str(c["type"])
            for t in ("receipt", "posting", "account", "campaign", "quota", "disbursement")
            for c in inspector.get_columns(t)
            if c["name"] in ("amount", "balance", "target")
        }
    engine.dispose()
    assert money and all(kind.upper() == "BIGINT" for kind in money.values()), money
