"""``flask --app ledger bench …``: build the national dataset and time the app against it."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .. import migrate
from ..engine import dispose_engines, make_engine, session_scope

bench_group = AppGroup("bench", help="National-scale benchmark against ledger-cli and hledger.")


def _bench_paths(db: str | None):
    """The benchmark database URL and the journal written beside it."""
    folder = Path(current_app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    url = db or f"sqlite:///{folder / 'bench.db'}"
    if url.startswith("sqlite:///"):
        return url, Path(url[len("sqlite:///") :]).with_suffix(".journal")
    return url, folder / "bench-postgresql.journal"


@bench_group.command("generate")
@click.option("--communes", type=int, default=10_600, show_default=True)
@click.option("--receipts", type=int, default=1_000_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--db", default=None, help="Database URL (default: instance/bench.db, recreated).")
def bench_generate(communes: int, receipts: int, seed: int, db: str | None) -> None:
    """Build the national dataset through the real schema, and the same data as a journal."""
    import time

    from .generate import generate, write_journal

    url, journal = _bench_paths(db)
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)
    else:
        _reset_schema(url)
    migrate.upgrade(url)
    started = time.perf_counter()
    with session_scope(url) as session:
        _seed_reference(session)
        made = generate(
            session,
            communes=communes,
            receipts=receipts,
            seed=seed,
            progress=lambda c, r: (
                click.echo(f"  {c} communes, {r} receipts", err=True) if c % 2000 == 0 else None
            ),
        )
    if not url.startswith("sqlite"):
        _analyze(url)
    with session_scope(url, write=False) as session:
        lines = write_journal(session, journal)
    click.echo(
        f"Generated in {time.perf_counter() - started:.0f} s: {made.provinces} provinces, "
        f"{made.districts} districts, {made.communes} communes, {made.receipts} receipts, "
        f"{made.disbursements} disbursements, {made.transfers} transfers; "
        f"journal {journal} ({lines} transactions)."
    )


def _seed_reference(session) -> None:
    from ..services.seed import seed_reference

    seed_reference(session)


def _analyze(url: str) -> None:
    """What autovacuum does minutes after a bulk load: planner statistics and the visibility
    map that lets index-only scans skip the heap (this machine's server runs without it)."""
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _reset_schema(url: str) -> None:
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@bench_group.command("run")
@click.option("--db", default=None, help="Database URL (default: instance/bench.db).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@click.option("--repeat", type=int, default=5, show_default=True)
@click.option("--no-peers", is_flag=True, help="Skip ledger-cli and hledger.")
@click.option("--web-seconds", type=float, default=15, show_default=True)
@click.option("--import-rows", type=int, default=100_000, show_default=True)
def bench_run(db, json_path, repeat, no_peers, web_seconds, import_rows) -> None:
    """Time progress, peers, floor, workbooks, charts, import and web posting; print ratios."""
    import platform

    from sqlalchemy import func
    from sqlmodel import col, select

    from ..models import Receipt, Unit
    from ..vocab import UnitLevel
    from .run import bars, ratios, run, write_json

    url, journal = _bench_paths(db)
    migrate.upgrade(url)
    with session_scope(url, write=False) as session:
        receipts = session.exec(select(func.count(col(Receipt.id)))).one()
        communes = session.exec(
            select(func.count(col(Unit.id))).where(col(Unit.level) == UnitLevel.COMMUNE.value)
        ).one()
    dispose_engines()
    click.echo(
        f"Dataset: {communes} communes, {receipts} receipts on {url.split(':')[0]}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    figures = run(
        url,
        journal,
        repeat=repeat,
        peers=not no_peers,
        web_seconds=web_seconds,
        import_rows=import_rows,
    )
    for name, value in ratios(figures).items():
        click.echo(f"  ratio {name}: {value}")
    meta = {
        "communes": communes,
        "receipts": receipts,
        "database": url.split(":")[0],
        "cores": os.cpu_count(),
    }
    judged = bars(figures, meta)
    for what, value, met in judged:
        click.echo(f"  bar {what}: {value} {'met' if met else 'NOT MET'}")
    if not judged:
        click.echo(
            "  (the bars are set for 10,600 communes and 1,000,000 receipts; not judged here)"
        )
    if json_path:
        write_json(Path(json_path), figures, meta)
        click.echo(f"Wrote {json_path}")
