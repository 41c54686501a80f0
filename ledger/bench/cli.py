"""``flask --app ledger bench …``: build the national dataset and time the app against it."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .. import migrate
from ..engine import dispose_engines, make_engine, session_scope

_JOBS = "Processes writing communes at once (PostgreSQL only; SQLite has one writer)."
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
@click.option("--journal", type=click.Path(dir_okay=False), default=None)
@click.option("--jobs", type=int, default=1, show_default=True, help=_JOBS)
def bench_generate(communes: int, receipts: int, seed: int, db: str | None, journal, jobs) -> None:
    """Build the national dataset through the real schema, and the same data as a journal."""
    url, default_journal = _bench_paths(db)
    _generate(url, Path(journal) if journal else default_journal, communes, receipts, seed, jobs)


def _generate(
    url: str, journal: Path, communes: int, receipts: int, seed: int, jobs: int = 1
) -> float:
    """Recreate ``url`` with the dataset and write its journal; the seconds it took."""
    import time

    from .generate import generate, write_journal

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
            jobs=jobs,
            url=url,
            progress=lambda c, r: (
                click.echo(
                    f"  {c} communes, {r} receipts, {time.perf_counter() - started:.0f} s", err=True
                )
                if c % 2000 == 0
                else None
            ),
        )
    if not url.startswith("sqlite"):
        _analyze(url)
    database_seconds = time.perf_counter() - started
    with session_scope(url, write=False) as session:
        lines = write_journal(session, journal)
    seconds = time.perf_counter() - started
    click.echo(
        f"Generated in {seconds:.0f} s ({database_seconds:.0f} s the database, "
        f"{made.receipts / database_seconds:,.0f} receipts/s): {made.provinces} provinces, "
        f"{made.districts} districts, {made.communes} communes, {made.receipts} receipts, "
        f"{made.disbursements} disbursements, {made.transfers} transfers; "
        f"journal {journal} ({lines} transactions)."
    )
    dispose_engines()
    return seconds


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


_RUN_OPTIONS = [
    click.option("--journal", type=click.Path(dir_okay=False), default=None),
    click.option(
        "--requests",
        "count",
        type=int,
        default=20,
        show_default=True,
        help="Timed requests per page (after a warm-up).",
    ),
    click.option(
        "--budget",
        type=float,
        default=10,
        show_default=True,
        help="Seconds per page after which it stops at 3 or more requests.",
    ),
    click.option("--no-peers", is_flag=True, help="Skip ledger-cli and hledger."),
    click.option("--peer-runs", type=int, default=3, show_default=True),
    click.option(
        "--workbook",
        type=click.Choice(["both", "http", "service", "none"]),
        default="both",
        show_default=True,
    ),
    click.option("--import-rows", type=int, default=100_000, show_default=True),
    click.option("--web-seconds", type=float, default=15, show_default=True),
]


def _run_options(fn):
    for option in reversed(_RUN_OPTIONS):
        fn = option(fn)
    return fn


@bench_group.command("run")
@click.option("--db", default=None, help="Database URL (default: instance/bench.db).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@_run_options
def bench_run(db, json_path, journal, **options) -> None:
    """Time every page and API answer over HTTP, the floors and the peers; judge every bar."""
    url, default_journal = _bench_paths(db)
    _run(url, Path(journal) if journal else default_journal, json_path, options)


def _run(url: str, journal: Path, json_path, options: dict, extra: dict | None = None) -> dict:
    import platform

    from .run import Options, print_report, run, write_json

    migrate.upgrade(url)
    meta = {**_dataset(url), **(extra or {})}
    meta.update(database=url.split(":")[0].split("+")[0], cores=os.cpu_count())
    click.echo(
        f"Dataset: {meta['communes']:,} communes, {meta['receipts']:,} receipts on "
        f"{meta['database']}; {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    peers = not options.pop("no_peers")
    if peers and meta["receipts"] > PEERS_UP_TO:
        click.echo(
            f"  (peers skipped above {PEERS_UP_TO:,} receipts: hledger needs ~6 GB a million)"
        )
        peers = False
    result = run(url, journal, Options(peers=peers, **options))
    print_report(result)
    if json_path:
        write_json(Path(json_path), result, meta)
        click.echo(f"Wrote {json_path}")
    return meta


#: hledger held 5.9 GB at 1,000,000 receipts; this machine has 24 GB
PEERS_UP_TO = 3_000_000


def _dataset(url: str) -> dict:
    from sqlalchemy import func
    from sqlmodel import col, select

    from ..models import Receipt, Unit
    from ..vocab import UnitLevel

    with session_scope(url, write=False) as session:
        receipts = session.exec(select(func.count(col(Receipt.id)))).one()
        communes = session.exec(
            select(func.count(col(Unit.id))).where(col(Unit.level) == UnitLevel.COMMUNE.value)
        ).one()
    dispose_engines()
    return {"communes": communes, "receipts": receipts}


@bench_group.command("growth")
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    help="Receipt counts, comma-separated (10M: 10000000).",
)
@click.option("--communes", type=int, default=10_600, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--folder",
    type=click.Path(file_okay=False),
    default="bench-growth",
    show_default=True,
    help="Where the databases, journals and JSON go.",
)
@click.option(
    "--db-template",
    default=None,
    help="PostgreSQL URL with {n} for the size (else SQLite files in --folder).",
)
@click.option("--reuse", is_flag=True, help="Keep a database already generated at a size.")
@click.option("--jobs", type=int, default=1, show_default=True, help=_JOBS)
@_run_options
def bench_growth(sizes, communes, seed, folder, db_template, reuse, jobs, journal, **options):
    """Generate at fixed communes for each size, run the bench at each, print the growth table."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for size in (int(s) for s in sizes.split(",")):
        url = db_template.format(n=size) if db_template else f"sqlite:///{out / f'bench-{size}.db'}"
        journal_path = out / f"bench-{size}.journal"
        seconds = None
        if not (reuse and journal_path.exists()):
            seconds = _generate(url, journal_path, communes, size, seed, jobs)
        json_path = out / f"bench-{size}.json"
        _run(url, journal_path, json_path, dict(options), {"generated_seconds": seconds})
        made.append(json_path)
    from .report import growth_table

    click.echo(growth_table(made))


@bench_group.command("post")
@click.option("--db", default=None, help="Database URL (default: instance/bench.db).")
@click.option("--seconds", type=float, default=15, show_default=True)
@click.option("--runs", type=int, default=3, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True)
def bench_post(db, seconds, runs, workers) -> None:
    """Posting alone: eight treasurers post receipts through gunicorn for ``--seconds``,
    ``--runs`` times after a 3 s warm-up (the receipts stay); receipts/s, p50, p95, errors."""
    from .load import run_load
    from .prepare import prepare
    from .web import gunicorn

    url, _journal = _bench_paths(db)
    migrate.upgrade(url)
    with session_scope(url) as session:
        _scopes, treasurers = prepare(session)
    dispose_engines()
    with gunicorn(url, workers=workers) as server:
        warm = run_load(server.base, treasurers, seconds=3)
        click.echo(f"warm-up: {len(warm.acknowledged)} receipts, {len(warm.errors)} errors")
        for _ in range(runs):
            load = run_load(server.base, treasurers, seconds=seconds)
            click.echo(
                f"{len(load.acknowledged)} receipts in {load.seconds:.1f} s: "
                f"{load.throughput:.1f} receipts/s, p50 {load.p50 * 1000:.0f} ms, "
                f"p95 {load.percentile(95) * 1000:.0f} ms, {len(load.errors)} errors"
            )


@bench_group.command("workbooks")
@click.option("--db", default=None, help="Database URL (default: instance/bench.db).")
@click.option("--runs", type=int, default=2, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True)
def bench_workbooks(db, runs, workers) -> None:
    """The workbooks alone, as ``bench run`` times them (district, province and nation over
    HTTP, a large one through its background job; the nation by the service call with its
    peak memory), ``--runs`` times; without the first full check ``bench run`` makes first,
    so run one (``flask check --full``) after generating."""
    from .prepare import prepare
    from .run import Result, _workbook_service, _workbooks_http
    from .web import gunicorn

    url, _journal = _bench_paths(db)
    migrate.upgrade(url)
    with session_scope(url) as session:
        scopes, _treasurers = prepare(session)
    dispose_engines()
    result = Result()
    for _ in range(runs):
        with gunicorn(url, workers=workers) as server:
            _workbooks_http(server, scopes, result)
        _workbook_service(url, scopes["nation"], result)


@bench_group.command("table")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--by-scope", is_flag=True, help="One table per run: each screen at each scope.")
def bench_table(files, by_scope) -> None:
    """The growth table (Markdown) from the JSON files of several runs."""
    from .report import growth_table, scope_table

    if by_scope:
        for name in files:
            click.echo(f"{name}:\n{scope_table(Path(name))}\n")
    else:
        click.echo(growth_table([Path(f) for f in files]))
