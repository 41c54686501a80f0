"""Saved bank reconciliations seen from outside the account's pages: the rows the
reconciliation workbook's checks sheet lists (with the months of bank activity none covers),
and the ones whose books' closing a backdated entry has changed since (``check``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import BankAccount, BankReconciliation, Posting, StatementLine
from .bank_books import bank_postings, daily_books, primary_id


@dataclass(frozen=True)
class SavedRow:
    """A saved reconciliation as the workbook's checks sheet lists it."""

    fund: str
    account: str
    period_from: date
    period_to: date
    bank_closing: int
    books_closing: int
    adjusted_bank: int
    difference: int
    note: str


@dataclass(frozen=True)
class MissingMonth:
    """A month with bank activity on an account that no saved reconciliation covers."""

    fund: str
    account: str
    month: date


def _accounts_of_funds(session: Session, funds: set[int]) -> list[BankAccount]:
    if not funds:
        return []
    return list(
        session.exec(
            select(BankAccount)
            .where(col(BankAccount.unit_id).in_(funds))
            .order_by(col(BankAccount.unit_id), col(BankAccount.id))
        ).all()
    )


def _label(account: BankAccount) -> str:
    return f"{account.bank_name} {account.account_number}"


def workbook_rows(
    session: Session, funds: set[int], names: dict[int, str], start: date, end: date
) -> tuple[list[SavedRow], list[MissingMonth]]:
    """The funds' saved reconciliations overlapping ``start``–``end``, and the months ended by
    ``end`` with bank activity (statement lines or the account's postings) none covers."""
    saved, missing = [], []
    for account in _accounts_of_funds(session, funds):
        rows = session.exec(
            select(BankReconciliation)
            .where(
                BankReconciliation.bank_account_id == account.id,
                BankReconciliation.period_to >= start,
                BankReconciliation.period_from <= end,
            )
            .order_by(col(BankReconciliation.period_from))
        ).all()
        fund = names.get(account.unit_id, "")
        saved += [_saved_row(fund, account, r) for r in rows]
        covered = [(r.period_from, r.period_to) for r in _all_saved(session, account.id)]
        for month in _active_months(session, account, start, end):
            last_day = _month_end(month)
            if not any(a <= last_day <= b for a, b in covered):
                missing.append(MissingMonth(fund=fund, account=_label(account), month=month))
    return saved, missing


def _saved_row(fund: str, account: BankAccount, r: BankReconciliation) -> SavedRow:
    return SavedRow(
        fund=fund,
        account=_label(account),
        period_from=r.period_from,
        period_to=r.period_to,
        bank_closing=r.bank_closing,
        books_closing=r.books_closing,
        adjusted_bank=r.bank_closing - r.in_bank_only + r.in_books_only,
        difference=r.difference,
        note=r.note,
    )


def _all_saved(session: Session, account_id: int) -> list[BankReconciliation]:
    return list(
        session.exec(
            select(BankReconciliation).where(BankReconciliation.bank_account_id == account_id)
        ).all()
    )


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _active_months(session: Session, account: BankAccount, start: date, end: date) -> list[date]:
    """First days of the months from ``start`` that ended by ``end`` with bank activity, from
    the account's first statement on: an account whose statements were never imported is not
    reconciled here (nothing to flag month by month before the fund adopted statements)."""
    first = session.exec(
        select(func.min(StatementLine.line_date)).where(StatementLine.bank_account_id == account.id)
    ).one()
    if first is None:
        return []
    start = max(start, first.replace(day=1))
    year = func.extract("year", col(StatementLine.line_date))
    month = func.extract("month", col(StatementLine.line_date))
    lines = session.exec(
        select(year, month)
        .where(
            StatementLine.bank_account_id == account.id,
            StatementLine.line_date >= start,
            StatementLine.line_date <= end,
        )
        .group_by(year, month)
    ).all()
    postings = bank_postings(account, primary_id(session, account.unit_id)).where(
        Posting.entry_date >= start, Posting.entry_date <= end
    )
    days = postings.subquery()
    p_year, p_month = (
        func.extract("year", days.c.entry_date),
        func.extract("month", days.c.entry_date),
    )
    booked = session.exec(select(p_year, p_month).group_by(p_year, p_month)).all()
    months = {date(int(y), int(m), 1) for y, m in [*lines, *booked]}
    return sorted(m for m in months if _month_end(m) <= end)


# ---- check: saved reconciliations still agree with the books ----------------------------


def drifted(
    session: Session, funds: set[int] | None = None
) -> list[tuple[BankAccount, BankReconciliation, int]]:
    """Saved reconciliations whose books' closing, recomputed now, is no longer the one saved
    (a backdated entry changed it): (account, reconciliation, the books' closing now)."""
    query = select(BankAccount).join(
        BankReconciliation, col(BankReconciliation.bank_account_id) == BankAccount.id
    )
    if funds is not None:
        query = query.where(col(BankAccount.unit_id).in_(funds))
    found = []
    for account in session.exec(query.distinct()).all():
        days = daily_books(session, account)
        for saved in _all_saved(session, account.id):
            now = sum(amount for day, amount in days if day <= saved.period_to)
            if now != saved.books_closing:
                found.append((account, saved, now))
    return found
