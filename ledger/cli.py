"""Flask CLI: ``flask --app ledger <command>``; thin wrappers over the services."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import migrate
from .db import session_scope
from .errors import LedgerError
from .services import check, demo, seed, units, users
from .services.anchors import read_anchor_file
from .vocab import Role, UnitLevel, values

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


def _fail(error: LedgerError) -> None:
    click.echo(f"Lỗi: {error}", err=True)
    sys.exit(2)


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema to the latest migration."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@click.command("seed")
@with_appcontext
@click.option(
    "--demo", "with_demo", is_flag=True, help="Also demo users and a year of demo receipts."
)
def seed_command(with_demo: bool) -> None:
    """Load reference data and the Thường Tín 2018 campaign (running it twice changes nothing)."""
    try:
        with session_scope() as session:
            added = seed.seed_reference(session)
            click.echo("Seed: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
            if with_demo:
                logins = demo.seed_demo_users(session)
                receipts = demo.seed_demo_receipts(session)
                click.echo(f"Demo receipts +{receipts}")
                from .services.demo_2025 import seed_demo_2025

                later = seed_demo_2025(session)
                click.echo("Demo 2025: " + ", ".join(f"{k} +{v}" for k, v in later.items()))
                _seed_demo_2026(session)
                _print_logins(logins)
    except LedgerError as error:
        _fail(error)


def _seed_demo_2026(session) -> None:
    """Hà Nội's 2026 campaigns and activity to today (after the 2025 reorganisation step)."""
    from .services.demo_2026 import demo_2026_summary, seed_demo_2026

    added = seed_demo_2026(session)
    if added:
        click.echo("Demo 2026: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    for line in demo_2026_summary(session):
        click.echo(f"  {line}")


def _print_logins(logins) -> None:
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
    for username, role, unit in logins:
        click.echo(f"  {username:<24} {role:<10} {unit}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(values(Role)), required=True)
@click.option("--unit", "unit_name", required=True, help="Unit code or name as printed.")
@click.option("--full-name", default="")
@click.option("--can-unmask", is_flag=True, help="May see children's names unmasked.")
@click.password_option()
def create_user_command(username, role, unit_name, full_name, can_unmask, password) -> None:
    """Create a user scoped to a unit and everything under it."""
    try:
        with session_scope() as session:
            unit = units.find_unit(session, unit_name)
            users.create_user(
                session,
                username=username,
                password=password,
                role=role,
                unit_id=unit.id,
                full_name=full_name,
                can_unmask=can_unmask,
            )
            click.echo(f"User {username} ({role}) created for {unit.name}.")
    except LedgerError as error:
        _fail(error)


@click.command("check")
@click.option(
    "--anchors",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False),
    help="an earlier workbook (.xlsx) or a text file of printed chain heads",
)
@with_appcontext
def check_command(anchor_file: str | None) -> None:
    """Verify the books; exit 1 naming every broken row."""
    external = read_anchor_file(anchor_file) if anchor_file else []
    if anchor_file and not external:
        _fail(LedgerError(f"No anchors (CODE E<seq>:<hash> A<seq>:<hash>) found in {anchor_file}."))
    with session_scope(write=False) as session:
        problems = check.check_books(session, anchors=external)
    for problem in problems[:500]:
        click.echo(str(problem), err=True)
    if len(problems) > 500:
        click.echo(f"… and {len(problems) - 500} more.", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo(
        "OK: every entry balances, every hash chain verifies, balances equal postings, "
        "every document, child record, lock and audit event matches its seal"
        + (
            f", and the chains pass through {len(external)} anchor(s) from the file."
            if external
            else "."
        )
    )


@click.command("import-receipts")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", "unit_name", required=True, help="The fund: unit code or name.")
def import_receipts_command(path: str, unit_name: str) -> None:
    """Import receipts from .xlsx/.csv: every bad row is listed and nothing is stored."""
    from pathlib import Path

    from .services.imports import commit_import, preview_import
    from .spreadsheets import read_table

    try:
        with session_scope() as session:
            fund = units.find_unit(session, unit_name)
            preview = preview_import(
                session, unit_id=fund.id, table=read_table(path, Path(path).read_bytes())
            )
            for error in preview.errors:
                click.echo(f"Dòng {error.row}, cột {error.column}: {error.reason}", err=True)
            if preview.errors:
                click.echo(f"{len(preview.errors)} lỗi; không dòng nào được ghi.", err=True)
                sys.exit(1)
            added = commit_import(session, unit_id=fund.id, preview=preview)
            click.echo(f"Đã nhập {added} phiếu thu; bỏ qua {preview.duplicates} dòng đã có.")
    except LedgerError as error:
        _fail(error)


@click.command("export-reconciliation")
@with_appcontext
@click.option(
    "--campaign", "year", required=True, help="The campaign's code (e.g. 2026-THĐ) or its year."
)
@click.option("--unit", "unit_name", required=True, help="The campaign's unit: code or name.")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True)
@click.option("--as-of", "as_of", default="", help="dd/mm/yyyy (default: the campaign's end).")
def export_reconciliation_command(year: str, unit_name: str, out: str, as_of: str) -> None:
    """Write the reconciliation workbook (children's names masked)."""
    from pathlib import Path

    from .exports.reconciliation import reconciliation_workbook
    from .fields import parse_date
    from .services.campaigns import resolve_campaign
    from .services.reconciliation import build_reconciliation

    try:
        with session_scope(write=False) as session:
            unit = units.find_unit(session, unit_name)
            campaign = resolve_campaign(session, unit_id=unit.id, ref=year)
            data = build_reconciliation(
                session, campaign_id=campaign.id, as_of=parse_date(as_of) if as_of else None
            )
            Path(out).write_bytes(reconciliation_workbook(data))
    except LedgerError as error:
        _fail(error)
    bad = [c.name for c in data.checks if not c.ok]
    click.echo(
        f"Wrote {out}: {len(data.progress.rows)} units, {len(data.receipts)} receipts; "
        + ("all checks OK." if not bad else f"{len(bad)} check(s) LỆCH: " + "; ".join(bad))
    )


@click.command("api-token")
@with_appcontext
@click.argument("username")
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    default=90,
    show_default=True,
    help="Days until the token expires.",
)
@click.option("--name", default="", help="What the token is for (shown on the account page).")
def api_token_command(username: str, days: int, name: str) -> None:
    """Issue a new read-only API token for USERNAME, valid --days days (its owner and an admin
    can list and revoke it; signing out everywhere or a password change revokes it)."""
    from sqlalchemy import select

    from .models import User
    from .services.tokens import issue_token

    with session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).scalars().first()
        if user is None:
            _fail(LedgerError(f"Không có người dùng {username}."))
        try:
            click.echo(issue_token(session, user_id=user.id, days=days, name=name))
        except LedgerError as error:
            _fail(error)


@click.command("backup")
@with_appcontext
@click.argument("out", type=click.Path(dir_okay=False))
def backup_command(out: str) -> None:
    """Write an online, consistent backup to OUT (SQLite backup API or pg_dump)."""
    from pathlib import Path

    from .backup import backup

    backup(current_app.config["DATABASE_URL"], Path(out))
    click.echo(
        f"Backup written to {out}. Restore: see README, then run 'flask --app ledger check'."
    )


bench_group = AppGroup("bench", help="National-scale benchmark against ledger-cli and hledger.")


def _bench_paths(db: str | None):
    """The benchmark database URL and the journal written beside it."""
    from pathlib import Path

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
    from pathlib import Path

    from .bench.generate import generate, write_journal

    url, journal = _bench_paths(db)
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)
    else:
        _reset_schema(url)
    migrate.upgrade(url)
    started = time.perf_counter()
    with session_scope(url=url) as session:
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
    with session_scope(write=False, url=url) as session:
        lines = write_journal(session, journal)
    click.echo(
        f"Generated in {time.perf_counter() - started:.0f} s: {made.provinces} provinces, "
        f"{made.districts} districts, {made.communes} communes, {made.receipts} receipts, "
        f"{made.disbursements} disbursements, {made.transfers} transfers; "
        f"journal {journal} ({lines} transactions)."
    )


def _seed_reference(session) -> None:
    from .services.seed import seed_reference

    seed_reference(session)


def _analyze(url: str) -> None:
    """What autovacuum does minutes after a bulk load: planner statistics and the visibility
    map that lets index-only scans skip the heap (this machine's server runs without it)."""
    from sqlalchemy import text

    from .db import make_engine

    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _reset_schema(url: str) -> None:
    from sqlalchemy import text

    from .db import make_engine

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
    from pathlib import Path

    from sqlalchemy import func, select

    from .bench.run import bars, ratios, run, write_json
    from .db import dispose_engines
    from .models import Receipt, Unit

    url, journal = _bench_paths(db)
    migrate.upgrade(url)
    with session_scope(write=False, url=url) as session:
        receipts = session.exec(select(func.count(Receipt.id))).scalar_one()
        communes = session.exec(
            select(func.count(Unit.id)).where(Unit.level == UnitLevel.COMMUNE.value)
        ).scalar_one()
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


def init_app(app) -> None:
    """Register the commands."""
    from .cli_units import units_group

    app.cli.add_command(units_group)
    for command in (
        db_group,
        seed_command,
        create_user_command,
        check_command,
        import_receipts_command,
        export_reconciliation_command,
        api_token_command,
        backup_command,
        bench_group,
    ):
        app.cli.add_command(command)
    from .cli_campaigns import COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)
