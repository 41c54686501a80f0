"""Bank fixtures the bank, matching, reconciliation and QR tests share: an account of a fund and
statement lines stored as an import would store them (without a file)."""

from __future__ import annotations

import hashlib
from datetime import date

from ledger.models import BankAccount, BankStatement, StatementLine
from ledger.services.bank_accounts import add_bank_account
from ledger.services.units import find_unit


def make_account(
    session, unit_code: str = "TT-CHUONGDUONG", *, bank_bin: str = "970405", number: str = ""
) -> BankAccount:
    """An account of the fund ``unit_code`` (Agribank by default), flushed."""
    fund = find_unit(session, unit_code)
    return add_bank_account(
        session,
        unit_id=fund.id,
        bank_bin=bank_bin,
        account_number=number or f"2200{fund.id:08d}",
        holder_name=f"Quỹ Bảo trợ trẻ em {fund.name}",
        opened_on=date(2015, 1, 1),
    )


def make_lines(
    session, account: BankAccount, lines, *, opening: int | None = None
) -> BankStatement:
    """A statement of ``lines`` — tuples (date, signed amount, description[, bank ref]) — stored
    as new lines of ``account``; closing balance = opening + Σ when an opening is given."""
    dates = [line[0] for line in lines]
    total = sum(line[1] for line in lines)
    statement = BankStatement(
        bank_account_id=account.id,
        filename="test.xlsx",
        file_hash=hashlib.sha256(repr(lines).encode()).hexdigest(),
        period_from=min(dates),
        period_to=max(dates),
        opening_balance=opening,
        closing_balance=None if opening is None else opening + total,
        lines_read=len(lines),
        lines_new=len(lines),
    )
    session.add(statement)
    session.flush()
    running = opening
    for position, (on, amount, description, *ref) in enumerate(lines, 1):
        running = None if running is None else running + amount
        key = f"{account.id}|{on}|{amount}|{ref[0] if ref else description}|{position}"
        session.add(
            StatementLine(
                bank_account_id=account.id,
                statement_id=statement.id,
                line_date=on,
                amount=amount,
                balance_after=running,
                bank_ref=ref[0] if ref else "",
                description=description,
                fingerprint=hashlib.sha256(key.encode()).hexdigest(),
                position=position,
            )
        )
    session.flush()
    return statement
