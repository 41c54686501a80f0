"""Shared pieces of the table models: naming convention, money and time columns.

Surrogate keys are typed ``id: int = Field(default=None, primary_key=True)``: the id is None
only between building a row and flushing it, the convention SQLAlchemy itself follows for a
``Mapped[int]`` key, and services flush before they read an id. Typing it ``int | None`` made
every read of a stored row's id a type error (the column is NOT NULL either way).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Table
from sqlmodel import Field, SQLModel
from sqlmodel.sql.expression import Select

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now in UTC, without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model (SQLModel's class does not declare ``__table__``)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def select_rows(*columns: Any) -> Select[*tuple[Any, ...]]:
    """A select of any number of columns for ``Session.exec``, rows as plain tuples: sqlmodel's
    ``select()`` is typed for up to four (the same ``Select`` underneath)."""
    return Select(*columns)


def money(*, nullable: bool = False, default=None, **kw):
    """An amount in đồng: always BigInteger (a plain int is 32-bit on PostgreSQL)."""
    if default is None and not nullable:
        return Field(sa_type=BigInteger, nullable=nullable, **kw)
    return Field(default=default, sa_type=BigInteger, nullable=nullable, **kw)


def timestamp(*, nullable: bool = False, **kw):
    """A UTC timestamp column; defaults to now when not nullable."""
    if nullable:
        return Field(default=None, sa_type=DateTime(), nullable=True, **kw)
    return Field(default_factory=utcnow, sa_type=DateTime(), nullable=False, **kw)


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """CHECK that ``column`` holds one of ``values`` (a vocabulary: its members' values)."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name or f"{column}_allowed")
