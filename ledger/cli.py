"""Flask CLI: ``flask --app ledger <command>``; thin wrappers over the services."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import migrate
from .db import evidence_store, session_scope
from .errors import LedgerError, NoAnchorsInFile, UserNotFound
from .services import check, demo, seed, units, users
from .services.anchors import read_anchor_file
from .vocab import Role, values

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


def _fail(error: LedgerError) -> NoReturn:
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
                from .services.demo_donors import seed_demo_donors

                click.echo(f"Demo donors +{seed_demo_donors(session)}")
                # the 2018 year-end counts before 2025's reorganisation locks the 2018 books
                click.echo(f"Demo cash counts +{demo.seed_demo_cash_counts(session)}")
                from .services.demo_goods import seed_demo_goods

                click.echo(f"Demo goods +{seed_demo_goods(session)}")
                from .services.demo_2025 import seed_demo_2025

                later = seed_demo_2025(session)
                click.echo("Demo 2025: " + ", ".join(f"{k} +{v}" for k, v in later.items()))
                _seed_demo_bank(session)
                _seed_demo_2026(session)
                _seed_demo_batches(session)
                _seed_demo_filings(session)
                _print_logins(logins)
    except LedgerError as error:
        _fail(error)


def _seed_demo_bank(session) -> None:
    """An Agribank account for each Thường Tín fund (issue #16's bank pages have data)."""
    from .services.demo_bank import seed_demo_bank_accounts

    click.echo(f"Demo bank accounts +{seed_demo_bank_accounts(session)}")


def _seed_demo_2026(session) -> None:
    """Hà Nội's 2026 campaigns and activity to today (after the 2025 reorganisation step)."""
    from .services.demo_2026 import demo_2026_summary, seed_demo_2026

    added = seed_demo_2026(session)
    if added:
        click.echo("Demo 2026: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    for line in demo_2026_summary(session):
        click.echo(f"  {line}")
    from .services.demo_norms import seed_demo_norms

    counted = seed_demo_norms(session)
    if counted:
        click.echo(f"Demo mobilisation norms: 2026, {counted} xã counted")

    from .services.demo_pledges import seed_demo_pledges

    click.echo(f"Demo pledges +{seed_demo_pledges(session)}")


def _seed_demo_filings(session) -> None:
    """Xã Thường Tín's filed 6-month 2026 report; the other xã's not filed (issue #18)."""
    from .services.demo_filings import seed_demo_filings

    click.echo(f"Demo filed reports +{seed_demo_filings(session)}")


def _seed_demo_batches(session) -> None:
    """A thôn's round of envelopes typed as one batch (issue #17's batch pages have data)."""
    from .services.demo_batches import seed_demo_batches

    click.echo(f"Demo receipt batches +{seed_demo_batches(session)}")


def _print_logins(logins) -> None:
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
    for username, role, unit in logins:
        click.echo(f"  {username:<24} {role:<10} {unit}")
    secret = demo.DEMO_ADMIN_SECRET
    click.echo(
        f"\n`admin` also asks for a second-factor code at sign-in: add the key {secret} to an"
        "\nauthenticator app (time-based), or print the current code with"
        f"\n  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\""
    )


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
@click.option(
    "--full",
    is_flag=True,
    help="re-hash every chain from its first link (default: only what follows the position "
    "each chain was last verified to)",
)
@with_appcontext
def check_command(anchor_file: str | None, full: bool) -> None:
    """Verify the books; exit 1 naming every broken row."""
    external = read_anchor_file(anchor_file) if anchor_file else []
    if anchor_file and not external:
        _fail(NoAnchorsInFile(path=anchor_file))
    with session_scope(write=False) as session:
        problems = check.verify_and_record(
            session, full=full, anchors=external, store=evidence_store()
        )
    for problem in problems[:500]:
        click.echo(str(problem), err=True)
    if len(problems) > 500:
        click.echo(f"… and {len(problems) - 500} more.", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo(
        (
            "OK: every entry balances, every hash chain verifies from its first link"
            if full
            else "OK: every line written since the last check balances and verifies (re-hashed "
            "from where each chain was last verified; `check --full` reads every line again)"
        )
        + ", balances equal postings, "
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
                value = f" (“{error.value}”)" if error.value else " (ô trống)"
                click.echo(f"Dòng {error.row}, cột {error.column}{value}: {error.reason}", err=True)
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
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    required=True,
    help="The .xlsx file to write; a name ending in .zip gets one CSV per sheet instead.",
)
@click.option("--as-of", "as_of", default="", help="dd/mm/yyyy (default: the campaign's end).")
@click.option(
    "--all-receipts",
    is_flag=True,
    help="List every receipt even past one sheet's rows (by default each fund's totals then).",
)
def export_reconciliation_command(
    year: str, unit_name: str, out: str, as_of: str, all_receipts: bool
) -> None:
    """Write the reconciliation workbook (children's names masked), or its CSV .zip."""
    from pathlib import Path

    from .dates import parse_date
    from .engine import get_engine, snapshot_session
    from .services.campaigns import resolve_campaign
    from .services.reconciliation import export_workbook

    try:  # one snapshot, as the background job reads it
        with snapshot_session(get_engine(current_app.config["DATABASE_URL"])) as session:
            unit = units.find_unit(session, unit_name)
            campaign = resolve_campaign(session, unit_id=unit.id, ref=year)
            made = export_workbook(
                session,
                campaign_id=campaign.id,
                as_of=parse_date(as_of) if as_of else None,
                path=Path(out),
                csv=out.lower().endswith(".zip"),
                all_receipts=all_receipts,
            )
    except LedgerError as error:
        _fail(error)
    bad = [c.name for c in made.checks if not c.ok]
    click.echo(
        f"Wrote {out}: {len(made.data.progress.rows)} units, {made.data.receipts.count} receipts"
        + (
            f" (each fund's totals: {made.data.receipt_rows} funds); "
            if made.data.receipt_rows != made.data.receipt_total
            else "; "
        )
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
    from sqlmodel import col, select

    from .models import User
    from .services.tokens import issue_token

    with session_scope() as session:
        user = session.exec(select(User).where(col(User.username) == username)).first()
        if user is None:
            _fail(UserNotFound(username=username))
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

    from .backup import backup, backup_blobs, evidence_folder

    backup(current_app.config["DATABASE_URL"], Path(out))
    files = evidence_folder(Path(out))
    copied = backup_blobs(evidence_store(), files)
    click.echo(
        f"Backup written to {out}, evidence files to {files}/ ({copied} new). "
        "Restore: see README, then run 'flask --app ledger check'."
    )


@click.command("restore-evidence")
@with_appcontext
@click.argument("backup_file", type=click.Path(dir_okay=False))
def restore_evidence_command(backup_file: str) -> None:
    """Put the evidence files of the backup BACKUP_FILE (its BACKUP_FILE.evidence/ folder)
    back into the configured store; a file that no longer matches its hash is named and left
    out."""
    from pathlib import Path

    from .backup import evidence_folder, restore_blobs

    folder = evidence_folder(Path(backup_file))
    if not folder.is_dir():
        click.echo(f"No evidence folder {folder} beside the backup.", err=True)
        sys.exit(2)
    written, bad = restore_blobs(folder, evidence_store())
    for digest in bad:
        click.echo(f"evidence: {digest}: altered in the backup, not restored", err=True)
    click.echo(f"Restored {written} evidence file(s) from {folder}.")
    if bad:
        sys.exit(1)


jobs_group = AppGroup("jobs", help="Background jobs (workbooks, the full check).")


@jobs_group.command("work")
@click.option("--once", is_flag=True, help="Run the oldest queued job here, then stop.")
def jobs_work_command(once: bool) -> None:
    """Run background jobs until stopped (gunicorn.conf.py starts one beside the web server)."""
    import logging

    from .worker import run_next, settings_from, supervise

    settings = settings_from(current_app.config, current_app.instance_path)
    if once:
        ran = run_next(settings)
        click.echo(f"Ran job {ran}." if ran else "No job queued.")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    supervise(settings)


def init_app(app) -> None:
    """Register the commands."""
    from .bench.cli import bench_group
    from .cli_bank import bank_group
    from .cli_bank_match import match_command
    from .cli_mail import send_mail_command
    from .cli_units import units_group

    bank_group.add_command(match_command)  # bank import, accounts, add-account, match
    app.cli.add_command(units_group)
    app.cli.add_command(bank_group)
    for command in (
        db_group,
        seed_command,
        create_user_command,
        check_command,
        import_receipts_command,
        export_reconciliation_command,
        api_token_command,
        backup_command,
        restore_evidence_command,
        bench_group,
        jobs_group,
        send_mail_command,
    ):
        app.cli.add_command(command)
    from .cli_campaigns import COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)
