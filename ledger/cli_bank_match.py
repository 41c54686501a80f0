"""``flask --app ledger bank match --account N [--auto]``: a bank account's suggestions, or
the undisputed ones confirmed (issue #16).

``match_command`` is registered in the ``bank`` group next to ``bank import`` (``ledger.cli``).
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .db import session_scope
from .models import BankAccount
from .money import format_vnd
from .services import bank_book, bank_suggestions
from .services import bank_matching as matching


@click.command("match")
@click.option("--account", "account_id", type=int, required=True, help="Bank account id.")
@click.option("--auto", is_flag=True, help="Confirm the one-to-one suggestions nobody disputes.")
@click.option("--limit", type=int, default=50, show_default=True, help="Lines to print.")
@with_appcontext
def match_command(account_id: int, auto: bool, limit: int) -> None:
    """Print each unmatched line's best suggestion, or (--auto) confirm the certain ones."""
    with session_scope(write=auto) as session:
        account = session.get(BankAccount, account_id)
        if account is None:
            click.echo(f"Lỗi: không có tài khoản ngân hàng số {account_id}.", err=True)
            sys.exit(2)
        if auto:
            done = matching.auto_match(session, account)
            click.echo(f"Đã tự động khớp {done} dòng.")
            return
        found = bank_suggestions.suggestions(session, account)
        lines = bank_book.unmatched_lines(session, account)
        for line in lines[:limit]:
            best = found.get(line.id) or []
            head = f"{line.line_date:%d/%m/%Y} {format_vnd(line.amount)} {line.description[:60]}"
            if not best:
                click.echo(f"{head}\n    (không có gợi ý)")
                continue
            entries = ", ".join(
                f"{m.voucher or m.kind} {format_vnd(m.amount)}" for m in best[0].entries
            )
            click.echo(f"{head}\n    → {entries}: {best[0].reason_text}")
        click.echo(f"{len(lines)} dòng chưa khớp.")
