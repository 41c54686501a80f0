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

_BUILD = (
    "DROP TABLE IF EXISTS bench_floor",
    "DROP TABLE IF EXISTS bench_floor_tree",
    (
        "CREATE TABLE bench_floor (kind SMALLINT NOT NULL, unit_id INTEGER NOT NULL, "
        "entry_date DATE NOT NULL, amount BIGINT NOT NULL)"
    ),
    (
        "INSERT INTO bench_floor SELECT 1, credit_unit_id, entry_date, -amount FROM posting "
        "WHERE credit_unit_id IS NOT NULL"
    ),
    (
        "INSERT INTO bench_floor SELECT 2, a.unit_id, p.entry_date, p.amount FROM posting p "
        "JOIN account a ON a.id = p.account_id WHERE a.type = 'expense' AND a.kind LIKE 'expense:%'"
    ),
    (
        "INSERT INTO bench_floor SELECT 3, a.unit_id, p.entry_date, p.amount FROM posting p "
        "JOIN account a ON a.id = p.account_id WHERE a.kind IN ('cash', 'bank')"
    ),
    "CREATE INDEX ix_bench_floor ON bench_floor (kind, unit_id, entry_date, amount)",
    (
        "CREATE TABLE bench_floor_tree (root_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, "
        "child_id INTEGER NOT NULL, PRIMARY KEY (root_id, unit_id))"
    ),
)

_PER_CHILD = (
    "SELECT t.child_id, SUM(x.total), MAX(x.last) FROM (SELECT unit_id, SUM(amount) AS total, "
    "MAX(entry_date) AS last FROM bench_floor WHERE kind = :kind AND entry_date >= :start AND "
    "entry_date <= :end GROUP BY unit_id) x JOIN bench_floor_tree t ON t.root_id = :root AND "
    "t.unit_id = x.unit_id GROUP BY t.child_id"
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
    for statement in _BUILD:
        conn.execute(text(statement))
    for root, children in roots.items():
        conn.execute(
            text("INSERT INTO bench_floor_tree VALUES (:root, :unit, :child)"),
            [{"root": root, "unit": u, "child": c} for u, c in children.items()],
        )
    conn.execute(text("ANALYZE"))
    conn.commit()


def drop(conn: Connection) -> None:
    """Leave the schema as the bench found it."""
    conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
    conn.execute(text("DROP TABLE IF EXISTS bench_floor_tree"))
    conn.commit()


def answer(conn: Connection, question: Question) -> dict[int, ChildFigures]:
    """Floor (1): child unit → its figures, by four aggregates over the covering index."""
    window = {"root": question.root, "start": question.start, "end": question.as_of}
    collected = _per_child(conn, kind=1, **window)
    start, end = question.last_year
    same = _per_child(conn, kind=1, root=question.root, start=start, end=end)
    spent = _per_child(conn, kind=2, **window)
    balance = _per_child(
        conn, kind=3, root=question.root, start=date(1900, 1, 1), end=window["end"]
    )
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
    rows = conn.execute(
        text(_PER_CHILD), {"kind": kind, "root": root, "start": start, "end": end}
    ).all()
    return {child: (int(total or 0), _as_date(last)) for child, total, last in rows}


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite hands dates back as text


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
