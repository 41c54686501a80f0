"""Rolled-up totals per unit and day, month and year, kept with the postings.

Every posting adds to the ``Rollup`` (and, on an expense account, ``RollupSpend``) rows of the
unit it counts for and of each of that unit's ancestors, at the three grains, in the same
transaction (``add_postings``). A figure over a subtree and a span of dates is then a sum over
the root's rows only: whole years, whole months, then days (``spans``): no list of the
subtree's units, no walk up the tree, the same cost at 10,000 receipts as at 10 million.

Rows are upserted sorted by key so two funds posting at once take the shared rows (the
nation's day) in the same order and never deadlock; a moved unit's totals leave its old
ancestors and join its new ones in the mover's transaction (``move_unit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Select, bindparam, case, event, func, literal, or_, text, union_all, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import Session, col, select

from ..memo import read_once
from ..models import Category, Rollup, RollupSpend, Unit, select_rows

#: the first day anything can be dated (``journal.EARLIEST_DATE``): balances sum from here
BEGINNING = date(2000, 1, 1)
#: account kinds whose postings ``Rollup.cash`` sums
CASH_KINDS = ("cash", "bank")
#: rows per upsert statement (bulk imports post thousands of days at once)
CHUNK = 500
#: where a session keeps the totals its postings added, until they are written
PENDING = "rollups_pending"


def period_of(day: date, grain: str) -> date:
    """The first day of the day, month or year holding ``day``."""
    if grain == "year":
        return day.replace(month=1, day=1)
    if grain == "month":
        return day.replace(day=1)
    return day


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@lru_cache(maxsize=512)
def spans(start: date, end: date) -> tuple[tuple[str, date, date], ...]:
    """(grain, first period, last period) ranges that cover ``start``–``end`` exactly: the
    days up to the first month start, the months up to the first year start, whole years,
    then months and days at the end (at most five ranges, ~80 periods)."""
    ranges: list[tuple[str, date, date]] = []

    def add(grain: str, period: date) -> None:
        if ranges and ranges[-1][0] == grain:
            ranges[-1] = (grain, ranges[-1][1], period)
        else:
            ranges.append((grain, period, period))

    day = start
    while day <= end:
        year_end = date(day.year, 12, 31)
        if day.month == 1 and day.day == 1 and year_end <= end:
            add("year", day)
            day = year_end + timedelta(days=1)
        elif day.day == 1 and _month_after(day) - timedelta(days=1) <= end:
            add("month", day)
            day = _month_after(day)
        else:
            add("day", day)
            day += timedelta(days=1)
    return tuple(ranges)


def _parts(model, columns, start: date, end: date, conditions, inside: int) -> list:
    return [
        select_rows(*columns, literal(inside).label("inside")).where(
            *conditions, col(model.grain) == grain, col(model.period).between(first, last)
        )
        for grain, first, last in spans(start, end)
    ]


def within(model, columns, start: date, end: date, *conditions, since: date | None = None):
    """A subquery of ``columns`` of ``model``'s rows whose periods make up ``start``–``end``
    (and meet ``conditions``): one index range per span, glued with UNION ALL (an OR of the
    spans reads every row of each unit). Its ``inside`` column is 1 on those rows; with
    ``since``, the rows from ``since`` to the day before ``start`` come too, marked 0."""
    parts = _parts(model, columns, start, end, conditions, 1)
    if since is not None and since < start:
        parts += _parts(model, columns, since, start - timedelta(days=1), conditions, 0)
    if len(parts) == 1:
        return parts[0].subquery("spans")
    return union_all(*parts).subquery("spans")


# --- the write path ---------------------------------------------------------------------


@dataclass
class _Delta:
    credited: int = 0
    credit_lines: int = 0
    last_credit: date | None = None
    donations: int = 0
    cash: int = 0

    def add(self, other: _Delta) -> None:
        self.credited += other.credited
        self.credit_lines += other.credit_lines
        self.donations += other.donations
        self.cash += other.cash
        if other.last_credit is not None:
            self.last_credit = max(self.last_credit or other.last_credit, other.last_credit)


def ancestry(session: Session, unit_ids) -> dict[int, list[int]]:
    """unit → [the unit, its parent, …, the top]: one recursive query for a few units (the
    write path), one query per level for many (walking up from hundreds is cheaper so)."""
    wanted = sorted(set(unit_ids))
    parents: dict[int, int | None] = {}
    if 0 < len(wanted) <= 8:
        parents.update(session.exec(_chains(), params={"units": wanted}).all())
    frontier = set(wanted) - set(parents)
    while frontier:
        found = session.exec(
            select(col(Unit.id), col(Unit.parent_id)).where(col(Unit.id).in_(sorted(frontier)))
        ).all()
        parents.update(found)
        frontier = {p for _, p in found if p is not None and p not in parents}
    chains: dict[int, list[int]] = {}
    for unit in wanted:
        chain_of, current = [], unit
        while current is not None and current not in chain_of:
            chain_of.append(current)
            current = parents.get(current)
        chains[unit] = chain_of
    return chains


@lru_cache(maxsize=1)  # built once (every posting walks up its units), as the upserts below
def _chains():
    """Each of ``:units`` and its ancestors, as (unit, parent): one recursive query."""
    chain = (
        select_rows(col(Unit.id), col(Unit.parent_id))
        .where(col(Unit.id).in_(bindparam("units", expanding=True)))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select_rows(col(Unit.id), col(Unit.parent_id)).where(col(Unit.id) == chain.c.parent_id)
    )
    return select_rows(chain.c.id, chain.c.parent_id)


def add_postings(session: Session, *, fund_id: int, lines) -> None:
    """Add posting lines ``(account kind, amount, credit unit, date)`` of fund ``fund_id`` to
    the rollups of the units they count for and of their ancestors. The sums wait in the
    session and are upserted as the transaction's last statements (``write_pending``, before
    the commit), so the rows every writer shares (the nation's day) stay locked only for the
    commit itself, and in key order so that two writers never deadlock."""
    credit: dict[tuple[int, date], _Delta] = {}
    fund: dict[date, _Delta] = {}
    spend: dict[tuple[date, str], int] = {}
    for kind, amount, credit_unit, day in lines:
        if credit_unit is not None:
            credit.setdefault((credit_unit, day), _Delta()).add(_Delta(amount, 1, day))
        if kind == "donations":
            fund.setdefault(day, _Delta()).donations += amount
        elif kind in CASH_KINDS:
            fund.setdefault(day, _Delta()).cash += amount
        elif kind.startswith("expense:"):
            spend[(day, kind)] = spend.get((day, kind), 0) + amount
    if not (credit or fund or spend):
        return
    chains = ancestry(session, {fund_id, *(u for u, _ in credit)})
    totals: dict[tuple[int, str, date], _Delta] = {}
    amounts: dict[tuple[int, str, date, str], int] = {}
    for (unit, day), delta in [*credit.items(), *(((fund_id, d), v) for d, v in fund.items())]:
        for key in rollup_keys(chains[unit], day):
            totals.setdefault(key, _Delta()).add(delta)
    for (day, kind), amount in spend.items():
        for key in rollup_keys(chains[fund_id], day):
            amounts[(*key, kind)] = amounts.get((*key, kind), 0) + amount
    pending_totals, pending_amounts = session.info.setdefault(PENDING, ({}, {}))
    for key, delta in totals.items():
        pending_totals.setdefault(key, _Delta()).add(delta)
    for key, amount in amounts.items():
        pending_amounts[key] = pending_amounts.get(key, 0) + amount


def write_pending(session: Session) -> None:
    """Upsert the totals added since the last write (called before every commit and before
    any read of the rollups in the same transaction)."""
    pending = session.info.pop(PENDING, None)
    if pending:
        upsert_totals(session, pending[0])
        upsert_spend(session, pending[1])


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """The outermost commit only: SQLAlchemy also calls this when a savepoint is released
    (``begin_nested``, e.g. a balance update that may be refused), and writing there would
    lock the nation's rows for the rest of the transaction, out of key order with the
    accounts it then updates (two writers deadlocked on PostgreSQL)."""
    if not session.in_nested_transaction():
        write_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """A rolled-back (or closed) transaction's totals go with its postings."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def rollup_keys(chain: list[int], day: date):
    """The rollup rows (unit, grain, period) a line of ``day`` moves for each unit of ``chain``."""
    for unit in chain:
        for grain in ("day", "month", "year"):
            yield unit, grain, period_of(day, grain)


@lru_cache(maxsize=4)
def _upsert_totals_statement(dialect: str):
    """``INSERT … ON CONFLICT DO UPDATE`` adding to a ``Rollup`` row, built once per dialect."""
    module = sqlite_dialect if dialect == "sqlite" else postgresql_dialect
    statement = module.insert(Rollup)
    new = statement.excluded
    last = col(Rollup.last_credit)
    greatest = func.max if dialect == "sqlite" else func.greatest
    return statement.on_conflict_do_update(
        index_elements=["unit_id", "grain", "period"],
        set_={
            "credited": col(Rollup.credited) + new.credited,
            "credit_lines": col(Rollup.credit_lines) + new.credit_lines,
            # coalesce both ways: SQLite's two-argument max() is NULL when either is
            "last_credit": greatest(
                func.coalesce(last, new.last_credit), func.coalesce(new.last_credit, last)
            ),
            "donations": col(Rollup.donations) + new.donations,
            "cash": col(Rollup.cash) + new.cash,
        },
    )


@lru_cache(maxsize=4)
def _upsert_spend_statement(dialect: str):
    """``INSERT … ON CONFLICT DO UPDATE`` adding to a ``RollupSpend`` row."""
    module = sqlite_dialect if dialect == "sqlite" else postgresql_dialect
    statement = module.insert(RollupSpend)
    return statement.on_conflict_do_update(
        index_elements=["unit_id", "grain", "period", "kind"],
        set_={"amount": col(RollupSpend.amount) + statement.excluded.amount},
    )


def upsert_totals(session: Session, totals: dict[tuple[int, str, date], _Delta]) -> None:
    """Add ``totals`` to the ``Rollup`` rows (created at zero), in key order."""
    rows = [
        {
            "unit_id": unit,
            "grain": grain,
            "period": period,
            "credited": d.credited,
            "credit_lines": d.credit_lines,
            "last_credit": d.last_credit,
            "donations": d.donations,
            "cash": d.cash,
        }
        for (unit, grain, period), d in sorted(totals.items())
    ]
    statement = _upsert_totals_statement(session.get_bind().dialect.name)
    for index in range(0, len(rows), CHUNK):
        session.exec(statement, params=rows[index : index + CHUNK])


def upsert_spend(session: Session, amounts: dict[tuple[int, str, date, str], int]) -> None:
    """Add ``amounts`` to the ``RollupSpend`` rows (created at zero), in key order."""
    rows = [
        {"unit_id": unit, "grain": grain, "period": period, "kind": kind, "amount": amount}
        for (unit, grain, period, kind), amount in sorted(amounts.items())
    ]
    statement = _upsert_spend_statement(session.get_bind().dialect.name)
    for index in range(0, len(rows), CHUNK):
        session.exec(statement, params=rows[index : index + CHUNK])


def move_unit(session: Session, *, unit_id: int, old_parent: int | None, new_parent: int | None):
    """Take ``unit_id``'s totals (its whole subtree's) out of its old ancestors' rows and add
    them to its new ancestors', in the caller's transaction; then recompute the old
    ancestors' "last receipt" days from their day rows' line counts."""
    write_pending(session)
    old = ancestry(session, [old_parent]).get(old_parent, []) if old_parent else []
    new = ancestry(session, [new_parent]).get(new_parent, []) if new_parent else []
    leaving, joining = [a for a in old if a not in new], [a for a in new if a not in old]
    if not (leaving or joining):
        return
    own = session.exec(select(Rollup).where(Rollup.unit_id == unit_id)).all()
    spent = session.exec(select(RollupSpend).where(RollupSpend.unit_id == unit_id)).all()
    totals: dict[tuple[int, str, date], _Delta] = {}
    amounts: dict[tuple[int, str, date, str], int] = {}
    for sign, units in ((-1, leaving), (1, joining)):
        for unit in units:
            for r in own:
                totals[(unit, r.grain, r.period)] = _Delta(
                    sign * r.credited,
                    sign * r.credit_lines,
                    r.last_credit if sign > 0 else None,
                    sign * r.donations,
                    sign * r.cash,
                )
            for s in spent:
                amounts[(unit, s.grain, s.period, s.kind)] = sign * s.amount
    upsert_totals(session, totals)
    upsert_spend(session, amounts)
    days = {r.period for r in own if r.grain == "day"}
    for unit in leaving:
        _recompute_last(session, unit, days)


def _recompute_last(session: Session, unit_id: int, days: set[date]) -> None:
    """The "last receipt" day of ``unit_id``'s rows holding ``days``, from its day rows."""
    counts = dict(
        session.exec(
            select(col(Rollup.period), col(Rollup.credit_lines)).where(
                Rollup.unit_id == unit_id, Rollup.grain == "day"
            )
        ).all()
    )
    lasts: dict[tuple[str, date], date | None] = {}
    for day in days:
        for grain in ("day", "month", "year"):
            lasts.setdefault((grain, period_of(day, grain)), None)
    for day, lines in counts.items():
        if not lines:
            continue
        for grain in ("day", "month", "year"):
            key = (grain, period_of(day, grain))
            if key in lasts:
                lasts[key] = max(lasts[key] or day, day)
    for (grain, period), last in sorted(lasts.items()):
        session.exec(
            update(Rollup)
            .where(
                col(Rollup.unit_id) == unit_id,
                col(Rollup.grain) == grain,
                col(Rollup.period) == period,
            )
            .values(last_credit=last)
            .execution_options(synchronize_session=False)
        )


# --- the read path ----------------------------------------------------------------------


@dataclass
class Totals:
    """A subtree's figures over a span: collected, its last day, donations, cash movement,
    and (when asked for) cash + bank at the span's end."""

    collected: int = 0
    last_receipt: date | None = None
    donations: int = 0
    cash: int = 0
    balance: int = 0


def totals(
    session: Session, unit_ids, start: date, end: date, *, balance: bool = False
) -> dict[int, Totals]:
    """unit → its subtree's ``Totals`` from ``start`` to ``end`` (collected positive, as the
    dashboards print it; donations positive; cash movement signed); with ``balance``, also
    cash + bank at the end of ``end``, from the same query."""
    ids = _ids(unit_ids)
    if ids is None or end < start:
        return {}
    write_pending(session)
    rows = within(
        Rollup,
        (Rollup.unit_id, Rollup.credited, Rollup.last_credit, Rollup.donations, Rollup.cash),
        start,
        end,
        col(Rollup.unit_id).in_(ids),
        since=BEGINNING if balance else None,
    )

    def inside(column):
        return case((rows.c.inside == 1, column))

    found = session.exec(
        select_rows(
            rows.c.unit_id,
            func.sum(inside(rows.c.credited)),
            func.max(inside(rows.c.last_credit)),
            func.sum(inside(rows.c.donations)),
            func.sum(inside(rows.c.cash)),
            func.sum(rows.c.cash),
        ).group_by(rows.c.unit_id)
    ).all()
    return {
        unit: Totals(
            -int(credited or 0), _day(last), -int(donations or 0), int(cash or 0), int(held or 0)
        )
        for unit, credited, last, donations, cash, held in found
    }


def _day(value) -> date | None:
    """A date read back through a UNION (SQLite returns its text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def family(root_id: int) -> Select:
    """The units whose rows a campaign's figures read: ``root_id`` and its children, as a
    subquery (a short statement whatever their number, planned from the unit index)."""
    return select(col(Unit.id)).where(or_(col(Unit.id) == root_id, col(Unit.parent_id) == root_id))


def _ids(unit_ids):
    """``unit_ids`` as ``in_`` takes them: a select as it is, ids sorted; None when empty."""
    if isinstance(unit_ids, Select):
        return unit_ids
    ids = sorted(set(unit_ids))
    return ids or None


def cash_as_of(session: Session, unit_ids, as_of: date) -> dict[int, int]:
    """unit → cash + bank of its subtree's funds at the end of ``as_of``."""
    return {u: t.cash for u, t in totals(session, unit_ids, BEGINNING, as_of).items()}


def spent(
    session: Session, unit_ids, start: date, end: date, *, management: bool = False
) -> dict[int, int]:
    """unit → Σ expense postings of its subtree's funds (only management categories' with
    ``management``; the category flag is read now, never copied into the rows)."""
    ids = _ids(unit_ids)
    if ids is None or end < start:
        return {}
    write_pending(session)
    conditions = [col(RollupSpend.unit_id).in_(ids)]
    if management:
        codes = read_once(
            session,
            "management_categories",
            lambda: session.exec(select(Category.code).where(Category.is_management)).all(),
        )
        conditions.append(col(RollupSpend.kind).in_([f"expense:{c}" for c in codes]))
    rows = within(RollupSpend, (RollupSpend.unit_id, RollupSpend.amount), start, end, *conditions)
    found = session.exec(
        select_rows(rows.c.unit_id, func.sum(rows.c.amount)).group_by(rows.c.unit_id)
    ).all()
    return {unit: int(amount or 0) for unit, amount in found}


def spent_by_kind(session: Session, unit_id: int, start: date, end: date) -> dict[str, int]:
    """expense kind → Σ of ``unit_id``'s subtree between two dates."""
    if end < start:
        return {}
    write_pending(session)
    rows = within(
        RollupSpend,
        (RollupSpend.kind, RollupSpend.amount),
        start,
        end,
        RollupSpend.unit_id == unit_id,
    )
    found = session.exec(
        select_rows(rows.c.kind, func.sum(rows.c.amount)).group_by(rows.c.kind)
    ).all()
    return {kind: int(amount) for kind, amount in found if amount}


def daily_credited(
    session: Session, unit_id: int, start: date, end: date
) -> list[tuple[date, int]]:
    """(day, collected) of ``unit_id``'s subtree on each day with quota lines."""
    write_pending(session)
    rows = session.exec(
        select(col(Rollup.period), col(Rollup.credited))
        .where(
            Rollup.unit_id == unit_id,
            Rollup.grain == "day",
            col(Rollup.period).between(start, end),
            col(Rollup.credit_lines) > 0,
        )
        .order_by(col(Rollup.period))
    ).all()
    return [(day, -int(amount)) for day, amount in rows]


__all__ = [
    "Totals",
    "add_postings",
    "ancestry",
    "cash_as_of",
    "daily_credited",
    "family",
    "move_unit",
    "rebuild",
    "spans",
    "spent",
    "spent_by_kind",
    "totals",
    "within",
    "write_pending",
]


def rebuild(session: Session) -> None:
    """Recompute every rollup row from the postings (what migration 0006 did): day rows per
    unit and ancestor, then months from days and years from months."""
    write_pending(session)
    sqlite = session.get_bind().dialect.name == "sqlite"

    def trunc(grain: str) -> str:
        if sqlite:
            return f"date(period, 'start of {grain}')"
        return f"CAST(date_trunc('{grain}', period) AS date)"

    closure = (
        "WITH RECURSIVE closure(unit, anc) AS (SELECT id, id FROM unit UNION ALL "
        "SELECT c.unit, u.parent_id FROM closure c JOIN unit u ON u.id = c.anc "
        "WHERE u.parent_id IS NOT NULL) "
    )
    statements = [
        "DELETE FROM rollup",
        "DELETE FROM rollupspend",
        closure + ", lines(unit_id, day, credited, credit_lines, last_credit, donations, cash) "
        "AS (SELECT c.anc, p.entry_date, p.amount, 1, p.entry_date, 0, 0 "
        "FROM posting p JOIN closure c ON c.unit = p.credit_unit_id UNION ALL "
        "SELECT c.anc, p.entry_date, 0, 0, NULL, "
        "CASE WHEN a.kind = 'donations' THEN p.amount ELSE 0 END, "
        "CASE WHEN a.kind IN ('cash', 'bank') THEN p.amount ELSE 0 END "
        "FROM posting p JOIN account a ON a.id = p.account_id "
        "JOIN closure c ON c.unit = a.unit_id WHERE a.kind IN ('donations', 'cash', 'bank')) "
        "INSERT INTO rollup (unit_id, grain, period, credited, credit_lines, last_credit, "
        "donations, cash) SELECT unit_id, 'day', day, SUM(credited), SUM(credit_lines), "
        "MAX(last_credit), SUM(donations), SUM(cash) FROM lines GROUP BY unit_id, day",
        closure + "INSERT INTO rollupspend (unit_id, grain, period, kind, amount) "
        "SELECT c.anc, 'day', p.entry_date, a.kind, SUM(p.amount) FROM posting p "
        "JOIN account a ON a.id = p.account_id JOIN closure c ON c.unit = a.unit_id "
        "WHERE a.kind LIKE 'expense:%' GROUP BY c.anc, p.entry_date, a.kind",
    ]
    for grain, finer in (("month", "day"), ("year", "month")):
        statements += [
            (
                "INSERT INTO rollup (unit_id, grain, period, credited, credit_lines, last_credit, "
                f"donations, cash) SELECT unit_id, '{grain}', {trunc(grain)}, SUM(credited), "
                "SUM(credit_lines), MAX(last_credit), SUM(donations), SUM(cash) FROM rollup "
                f"WHERE grain = '{finer}' GROUP BY unit_id, {trunc(grain)}"
            ),
            (
                "INSERT INTO rollupspend (unit_id, grain, period, kind, amount) "
                f"SELECT unit_id, '{grain}', {trunc(grain)}, kind, SUM(amount) FROM rollupspend "
                f"WHERE grain = '{finer}' GROUP BY unit_id, {trunc(grain)}, kind"
            ),
        ]
    for statement in statements:
        session.connection().execute(text(statement))
