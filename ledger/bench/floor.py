"""The floors: what the database alone takes to answer the app's questions from raw lines.

A minimal table ``bench_floor(kind, unit_id, entry_date, amount)`` holds every line the
progress question reads (kind 1: credited to a unit's quota, as a positive amount; 2: spent
on an expense account; 3: moved on a cash or bank account), with the covering index
``(kind, unit_id, entry_date, amount)``; ``bench_floor_tree`` maps each unit of a root's
subtree to the root's child that holds it (the root itself for its own lines). Both are built,
and ``ANALYZE`` run, on an open connection before any timer starts: a floor times the query.

Floor (1) asks exactly what the progress API answers: per child unit of the campaign's unit,
collected in the campaign's window up to as-of with the last receipt's date, the same window a
year earlier, disbursed in the window, and the cash + bank balance at as-of. Floor (2) is the
all-time ``GROUP BY`` of credited lines per unit, kept for comparison with earlier figures.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

#: (collected, last receipt date, same period a year earlier, disbursed, balance)
ChildFigures = tuple[int, date | None, int, int, int]

#: SQLite keeps dates as text, and comparing text is the slowest part of a MAX: the minimal
#: table keeps each day as its ordinal (an integer), as PostgreSQL keeps a DATE (4 bytes)
_DAY = {
    "sqlite": "CAST(julianday({column}) - 1721424.5 AS INTEGER)",
    "postgresql": "{column}",
}
_DAY_TYPE = {"sqlite": "INTEGER", "postgresql": "DATE"}


def _build(dialect: str) -> tuple[str, ...]:
    def day(column: str) -> str:
        return _DAY[dialect].format(column=column)

    return (
        "DROP TABLE IF EXISTS bench_floor",
        "DROP TABLE IF EXISTS bench_floor_tree",
        (
            "CREATE TABLE bench_floor (kind SMALLINT NOT NULL, unit_id INTEGER NOT NULL, "
            f"entry_date {_DAY_TYPE[dialect]} NOT NULL, amount BIGINT NOT NULL)"
        ),
        (
            f"INSERT INTO bench_floor SELECT 1, credit_unit_id, {day('entry_date')}, -amount "
            "FROM posting WHERE credit_unit_id IS NOT NULL"
        ),
        (
            f"INSERT INTO bench_floor SELECT 2, a.unit_id, {day('p.entry_date')}, p.amount "
            "FROM posting p JOIN account a ON a.id = p.account_id "
            "WHERE a.type = 'expense' AND a.kind LIKE 'expense:%'"
        ),
        (
            f"INSERT INTO bench_floor SELECT 3, a.unit_id, {day('p.entry_date')}, p.amount "
            "FROM posting p JOIN account a ON a.id = p.account_id WHERE a.kind IN ('cash', 'bank')"
        ),
        "CREATE INDEX ix_bench_floor ON bench_floor (kind, unit_id, entry_date, amount)",
        (
            "CREATE TABLE bench_floor_tree (root_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, "
            "child_id INTEGER NOT NULL, PRIMARY KEY (root_id, unit_id))"
        ),
    )


def _per_child_sql(dialect: str, *, seek: bool) -> str:
    """Per unit first (in the index's order, no sort), then per child of the root. ``seek``:
    only the subtree's units, one index range each (a small subtree); otherwise one pass over
    the kind's whole range (a subtree holding most units). SQLite must not use the date for
    the index (``+``): with the statistics it picks a skip-scan four times slower."""
    date = "+entry_date" if dialect == "sqlite" else "entry_date"
    units = (
        "AND unit_id IN (SELECT unit_id FROM bench_floor_tree WHERE root_id = :root) "
        if seek
        else ""
    )
    return (
        "SELECT t.child_id, SUM(x.total), MAX(x.last) FROM (SELECT unit_id, "
        "SUM(amount) AS total, MAX(entry_date) AS last FROM bench_floor WHERE kind = :kind "
        f"{units}AND {date} >= :start AND {date} <= :end GROUP BY unit_id) x "
        "JOIN bench_floor_tree t ON t.root_id = :root AND t.unit_id = x.unit_id "
        "GROUP BY t.child_id"
    )


_ALL_TIME = "SELECT unit_id, SUM(amount) FROM bench_floor WHERE kind = 1 GROUP BY unit_id"


@dataclass(frozen=True)
class Question:
    """What the progress API asks of one campaign."""

    root: int
    start: date
    as_of: date

    @property
    def last_year(self) -> tuple[date, date]:
        return _year_back(self.start), _year_back(self.as_of)


def build(conn: Connection, roots: dict[int, dict[int, int]]) -> None:
    """The minimal table, its index, the subtree maps of ``roots`` (root → {unit: child}),
    and the planner's statistics; committed, so the timed queries find them ready."""
    for statement in _build(conn.dialect.name):
        conn.execute(text(statement))
    for root, children in roots.items():
        conn.execute(
            text("INSERT INTO bench_floor_tree VALUES (:root, :unit, :child)"),
            [{"root": root, "unit": u, "child": c} for u, c in children.items()],
        )
    conn.commit()
    if conn.dialect.name == "postgresql":  # the visibility map lets index-only scans skip the heap
        with conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as vacuum:
            vacuum.execute(text("VACUUM ANALYZE bench_floor"))
            vacuum.execute(text("VACUUM ANALYZE bench_floor_tree"))
    else:
        conn.execute(text("ANALYZE"))
        conn.commit()
    units = conn.execute(text("SELECT COUNT(*) FROM unit")).scalar_one()
    _SEEK.clear()
    _SEEK.update({root: len(children) * 2 < units for root, children in roots.items()})


#: root → whether floor (1) reads its units' index ranges (set by ``build``)
_SEEK: dict[int, bool] = {}


def drop(conn: Connection) -> None:
    """Leave the schema as the bench found it."""
    conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
    conn.execute(text("DROP TABLE IF EXISTS bench_floor_tree"))
    conn.commit()


def answer(conn: Connection, question: Question) -> dict[int, ChildFigures]:
    """Floor (1): child unit → its figures, by four aggregates over the covering index."""
    root, start, as_of = question.root, question.start, question.as_of
    collected = _per_child(conn, kind=1, root=root, start=start, end=as_of)
    before, before_end = question.last_year
    same = _per_child(conn, kind=1, root=root, start=before, end=before_end)
    spent = _per_child(conn, kind=2, root=root, start=start, end=as_of)
    balance = _per_child(conn, kind=3, root=root, start=date(1900, 1, 1), end=as_of)
    children = set(collected) | set(same) | set(spent) | set(balance)
    return {
        child: (
            collected.get(child, (0, None))[0],
            collected.get(child, (0, None))[1],
            same.get(child, (0, None))[0],
            spent.get(child, (0, None))[0],
            balance.get(child, (0, None))[0],
        )
        for child in children
    }


def collected_only(conn: Connection, question: Question) -> dict[int, tuple[int, date | None]]:
    """The first of floor (1)'s four aggregates: collected and last date per child."""
    return _per_child(conn, kind=1, root=question.root, start=question.start, end=question.as_of)


def all_time(conn: Connection) -> dict[int, int]:
    """Floor (2): all-time credited total per unit, no window, no roll-up."""
    return {unit: int(total) for unit, total in conn.execute(text(_ALL_TIME)).all()}


def _per_child(conn: Connection, *, kind: int, root: int, start: date, end: date):
    sqlite = conn.dialect.name == "sqlite"
    sql = _per_child_sql(conn.dialect.name, seek=_SEEK.get(root, True))
    bounds: dict[str, date | int] = {"start": start, "end": end}
    if sqlite:
        bounds = {"start": start.toordinal(), "end": end.toordinal()}
    rows = conn.execute(text(sql), {"kind": kind, "root": root, **bounds}).all()
    return {
        child: (int(total or 0), date.fromordinal(last) if sqlite and last else last)
        for child, total, last in rows
    }


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def timed(fn, *, count: int, budget: float) -> list[float]:
    """Seconds of each of ``count`` calls after one untimed call (fewer, at least 3, once
    ``budget`` seconds are spent)."""
    fn()
    times: list[float] = []
    for index in range(count):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
        if sum(times) > budget and index >= 2:
            break
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)
