"""``flask --app ledger bank …``: a fund's bank accounts and statement import, for automation."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from .dates import format_date, parse_date
from .db import session_scope
from .errors import LedgerError
from .money import format_vnd
from .services.bank_accounts import accounts_of, add_bank_account, find_account
from .services.statements import ColumnsNotFound, import_statement, preview_statement
from .services.units import find_unit, subtree_ids
from .statements_read import FIELD_NAMES

bank_group = AppGroup("bank", help="Bank accounts (tài khoản tiền gửi) and statements (sao kê).")


def _fail(error: LedgerError) -> None:
    click.echo(f"Lỗi: {error}", err=True)
    sys.exit(2)


def _money(value: int | None) -> str:
    return "—" if value is None else format_vnd(value)


@bank_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--account", "account_text", required=True, help="Số tài khoản, hoặc BIN:số.")
@click.option("--dry-run", is_flag=True, help="Read and check the file; store nothing.")
def import_command(path: str, account_text: str, dry_run: bool) -> None:
    """Import a statement (.xlsx, .xls, .csv) into an account; lines already imported are skipped."""
    data = Path(path).read_bytes()
    try:
        with session_scope() as session:
            account = find_account(session, account_text)
            preview = preview_statement(session, account=account, filename=path, data=data)
            statement = preview.statement
            for error in statement.errors:
                click.echo(
                    f"Dòng {error.row}, cột {error.column}: {error.message} (“{error.value}”)",
                    err=True,
                )
            for mismatch in statement.mismatches:
                params = {k: format_vnd(v) for k, v in mismatch.params.items()}
                where = f"Dòng {mismatch.row}: " if mismatch.row else ""
                click.echo(f"Lệch số dư: {where}{mismatch.message % params}", err=True)
            click.echo(
                f"Đọc {len(statement.lines)} dòng, {len(preview.new)} dòng mới, "
                f"{preview.known} dòng đã nhập trước đó."
            )
            click.echo(
                f"Số dư đầu kỳ {_money(statement.opening)}, cuối kỳ {_money(statement.closing)}."
            )
            if statement.errors:
                click.echo(f"{len(statement.errors)} lỗi; không dòng nào được ghi.", err=True)
                sys.exit(1)
            if dry_run or not preview.new:
                return
            stored = import_statement(
                session,
                account=account,
                parsed=preview,
                filename=Path(path).name,
                file_hash=hashlib.sha256(data).hexdigest(),
            )
            click.echo(
                f"Đã ghi sao kê {format_date(stored.period_from)}–{format_date(stored.period_to)}"
                f" vào tài khoản {account.bank_name} {account.account_number}."
            )
    except ColumnsNotFound as missing:
        names = ", ".join(str(FIELD_NAMES[m]) for m in missing.missing)
        click.echo(
            f"Lỗi: không tìm thấy cột {names} (dòng tiêu đề đoán là dòng {missing.header_row}: "
            f"{' | '.join(h for h in missing.headers if h)}). Hãy chọn cột một lần trên trang "
            "nhập sao kê; tài khoản sẽ nhớ.",
            err=True,
        )
        sys.exit(2)
    except LedgerError as error:
        _fail(error)


@bank_group.command("accounts")
@click.option("--unit", "unit_code", default="", help="Only this unit's subtree (code or name).")
def accounts_command(unit_code: str) -> None:
    """List bank accounts: fund, bank, BIN, number, primary, closed."""
    from sqlmodel import col, select

    from .models import BankAccount, Unit

    try:
        with session_scope(write=False) as session:
            query = select(BankAccount, Unit).where(BankAccount.unit_id == Unit.id)
            if unit_code:
                ids = subtree_ids(session, find_unit(session, unit_code).id)
                query = query.where(col(BankAccount.unit_id).in_(ids))
            rows = session.exec(query.order_by(col(Unit.code), col(BankAccount.id))).all()
            for account, unit in rows:
                flags = " chính" if account.is_primary else ""
                if account.closed_on:
                    flags += f" đóng {format_date(account.closed_on)}"
                click.echo(
                    f"{unit.code}\t{account.bank_name}\t{account.bank_bin}\t"
                    f"{account.account_number}\t{account.holder_name}{flags}"
                )
            if not rows:
                click.echo("Không có tài khoản ngân hàng nào.")
    except LedgerError as error:
        _fail(error)


@bank_group.command("add-account")
@click.option("--unit", "unit_code", required=True)
@click.option("--bin", "bank_bin", required=True, help="NAPAS BIN, e.g. 970405 (Agribank).")
@click.option("--number", required=True)
@click.option("--holder", default="")
@click.option("--branch", default="")
@click.option("--opened", default="", help="dd/mm/yyyy (default: the unit's start).")
def add_account_command(
    unit_code: str, bank_bin: str, number: str, holder: str, branch: str, opened: str
) -> None:
    """Declare a fund's bank account (the fund's first becomes its primary)."""
    try:
        with session_scope() as session:
            unit = find_unit(session, unit_code)
            opened_on = parse_date(opened) if opened else unit.valid_from
            if opened_on is None:
                raise click.BadParameter(f"“{opened}” không phải ngày dd/mm/yyyy.")
            account = add_bank_account(
                session,
                unit_id=unit.id,
                bank_bin=bank_bin,
                account_number=number,
                holder_name=holder,
                branch=branch,
                opened_on=opened_on,
            )
            primary = " (tài khoản chính)" if account.is_primary else ""
            click.echo(
                f"Đã thêm {account.bank_name} {account.account_number} cho {unit.name}{primary}; "
                f"quỹ có {len(accounts_of(session, unit.id))} tài khoản."
            )
    except LedgerError as error:
        _fail(error)
