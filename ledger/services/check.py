"""Verify the books: every entry balances, each fund's hash chain, balances equal postings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session

from ..models import (Account, ChainHead, CreditMonth, Entry, PeriodLock, Posting, Receipt,
                      Unit)
from .journal import entry_hash


@dataclass(frozen=True)
class Problem:
    """One broken row, named so an operator can find it."""

    what: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.where}: {self.detail}"


def check_books(session: Session, unit_ids: set[int] | None = None) -> list[Problem]:
    """Every check (over the funds ``unit_ids``, or all); an empty list means the books are sound."""
    funds = sorted(unit_ids) if unit_ids is not None else None
    journal = _load_journal(session, funds)
    return [*check_chains(session, funds, journal),
            *check_account_balances(session, funds), *check_receipts(session, funds),
            *check_locks(session, funds), *check_credit_months(session, funds),
            *check_assets_never_negative(session, funds)]


def _only(query, column, funds):
    return query if funds is None else query.where(column.in_(funds))


def _load_journal(session: Session, funds=None):
    """Entries (plain rows, in chain order) and their postings, read once for every check."""
    entries = session.connection().execute(
        _only(select(Entry.id, Entry.unit_id, Entry.seq, Entry.entry_date, Entry.kind,
                     Entry.reverses_id, Entry.prev_hash, Entry.hash), Entry.unit_id, funds)
        .order_by(Entry.unit_id, Entry.seq)).all()
    return entries, _postings_by_entry(session, funds)


def check_chains(session: Session, funds=None, journal=None) -> list[Problem]:
    """Walk each fund's chain in order: every entry balances, every hash and link recomputes."""
    problems: list[Problem] = []
    entries, postings = journal or _load_journal(session, funds)
    heads = {h.unit_id: h for h in session.exec(
        _only(select(ChainHead), ChainHead.unit_id, funds)).scalars()}
    last_by_fund: dict[int, tuple[int, str]] = {}
    for unit_id, chain in groupby(entries, key=lambda e: e[1]):
        last_by_fund[unit_id] = _walk(chain, postings, problems)
    for unit_id, head in heads.items():
        seq, digest = last_by_fund.get(unit_id, (0, ""))
        if (head.last_seq, head.last_hash) != (seq, digest):
            problems.append(Problem("chain_head", f"fund {unit_id}",
                                    f"head says seq {head.last_seq}, journal ends at seq {seq}"))
    return problems


def _walk(chain, postings, problems: list[Problem]) -> tuple[int, str]:
    prev_seq, prev_hash = 0, ""
    for entry_id, unit_id, seq, day, kind, reverses_id, entry_prev, digest in chain:
        def where():
            return f"entry {entry_id} (fund {unit_id}, seq {seq})"
        lines = postings.get(entry_id, [])
        if not lines or sum(line[1] for line in lines):
            problems.append(Problem("unbalanced", where(), f"postings sum to "
                                    f"{sum(line[1] for line in lines)} over {len(lines)} lines"))
        if seq != prev_seq + 1:
            problems.append(Problem("chain_gap", where(), f"expected seq {prev_seq + 1}"))
        if entry_prev != prev_hash:
            problems.append(Problem("chain_link", where(), "previous hash does not match"))
        if digest != entry_hash(prev_hash=entry_prev, unit_id=unit_id, seq=seq, entry_date=day,
                                kind=kind, reverses_id=reverses_id, postings=lines):
            problems.append(Problem("hash", where(), "content does not match its hash"))
        prev_seq, prev_hash = seq, digest
    return prev_seq, prev_hash


def _postings_by_entry(session: Session, funds=None) -> dict[int, list[tuple[int, int, int | None]]]:
    # a line moved to another date or fund must break the hash too: its account turns negative
    in_place = and_(Posting.entry_date == Entry.entry_date, Account.unit_id == Entry.unit_id)
    marker = case((in_place, Posting.account_id), else_=-Posting.account_id)
    rows = session.connection().execute(_only(
        select(Posting.entry_id, marker, Posting.amount, Posting.credit_unit_id)
        .join(Entry, Entry.id == Posting.entry_id)
        .join(Account, Account.id == Posting.account_id), Entry.unit_id, funds))
    found: dict[int, list] = {}
    for entry_id, account, amount, credit in rows:
        found.setdefault(entry_id, []).append((account, amount, credit))
    return found


def check_account_balances(session: Session, funds=None) -> list[Problem]:
    """Accounts whose running balance differs from the sum of their postings."""
    # one index range per account (posting(account_id, entry_date, amount) covers it), so a
    # province's accounts never scan the other provinces' postings
    total = (select(func.coalesce(func.sum(Posting.amount), 0))
             .where(Posting.account_id == Account.id).scalar_subquery())
    sums = _only(select(Account.id, Unit.code, Account.kind, Account.balance, total)
                 .join(Unit, Unit.id == Account.unit_id), Account.unit_id, funds)
    return [Problem("balance", f"account {aid} ({code} {kind})",
                    f"running balance {bal} but postings sum to {total}")
            for aid, code, kind, bal, total in session.exec(sums).all() if bal != total]


def check_receipts(session: Session, funds=None) -> list[Problem]:
    """Receipts whose amount, date or fund differ from the entry they posted (compared in SQL,
    so only the mismatches come back)."""
    debit = (select(func.coalesce(func.sum(Posting.amount), 0))
             .where(Posting.entry_id == Receipt.entry_id, Posting.amount > 0).scalar_subquery())
    # an entry of another fund joins as missing; naming the funds on the entry side too lets
    # PostgreSQL read just their entries instead of hashing the whole journal
    own_entry = and_(Entry.id == Receipt.entry_id, Entry.unit_id == Receipt.unit_id)
    own_entry = own_entry if funds is None else and_(own_entry, Entry.unit_id.in_(funds))
    rows = session.connection().execute(_only(
        select(Receipt.id, Receipt.unit_id, Receipt.number, Receipt.amount, Receipt.receipt_date)
        .outerjoin(Entry, own_entry)
        .where(or_(Entry.id.is_(None), Entry.entry_date != Receipt.receipt_date,
                   Entry.kind != "receipt", debit != Receipt.amount)), Receipt.unit_id, funds)).all()
    return [Problem("receipt", f"receipt {rid} (fund {unit}, no. {number})",
                    f"amount {amount} dated {day} does not match its entry")
            for rid, unit, number, amount, day in rows]


def check_locks(session: Session, funds=None) -> list[Problem]:
    """Entries dated inside a locked period but written after the lock was taken."""
    rows = session.exec(_only(select(Entry.id, Entry.unit_id, Entry.seq, Entry.entry_date,
                                     PeriodLock.locked_through)
                              .join(PeriodLock, PeriodLock.unit_id == Entry.unit_id)
                              .where(Entry.entry_date <= PeriodLock.locked_through,
                                     Entry.created_at > PeriodLock.locked_at),
                              Entry.unit_id, funds)).all()
    return [Problem("locked", f"entry {eid} (fund {uid}, seq {seq})",
                    f"dated {day} inside the period locked through {through}")
            for eid, uid, seq, day, through in rows]


def check_credit_months(session: Session, funds=None) -> list[Problem]:
    """Monthly credit totals that differ from the postings they summarise."""
    year, month = func.extract("year", Posting.entry_date), func.extract("month", Posting.entry_date)
    sums = _only(select(Posting.credit_unit_id, year, month, func.sum(Posting.amount))
                 .where(Posting.credit_unit_id.is_not(None)), Posting.credit_unit_id, funds
                 ).group_by(Posting.credit_unit_id, year, month)
    expected = {(u, date(int(y), int(m), 1)): int(a) for u, y, m, a in session.exec(sums).all()}
    stored = {(u, m): int(a) for u, m, a in session.exec(_only(
        select(CreditMonth.unit_id, CreditMonth.month, CreditMonth.amount),
        CreditMonth.unit_id, funds)).all() if a}
    expected = {k: v for k, v in expected.items() if v}
    return [Problem("credit_month", f"unit {unit} month {month:%m/%Y}",
                    f"summary {stored.get((unit, month), 0)} but postings sum to "
                    f"{expected.get((unit, month), 0)}")
            for unit, month in sorted(set(expected) | set(stored))
            if expected.get((unit, month), 0) != stored.get((unit, month), 0)]


def check_assets_never_negative(session: Session, funds=None) -> list[Problem]:
    """Asset accounts (cash, bank, in kind) whose book closes some day below zero, e.g. a
    payout dated before the receipt that funded it: daily sums with a running total per
    account, all in SQL; one row per account, naming its first negative day."""
    daily = _only(select(Posting.account_id.label("account_id"),
                         Posting.entry_date.label("day"),
                         func.sum(func.sum(Posting.amount)).over(
                             partition_by=Posting.account_id,
                             order_by=Posting.entry_date).label("running"))
                  .join(Account, Account.id == Posting.account_id)
                  .where(Account.type == "asset"), Account.unit_id, funds
                  ).group_by(Posting.account_id, Posting.entry_date).subquery()
    rows = session.exec(select(daily.c.account_id, Unit.code, Account.kind,
                               func.min(daily.c.day), func.min(daily.c.running))
                        .join(Account, Account.id == daily.c.account_id)
                        .join(Unit, Unit.id == Account.unit_id)
                        .where(daily.c.running < 0)
                        .group_by(daily.c.account_id, Unit.code, Account.kind)
                        .order_by(daily.c.account_id)).all()
    return [Problem("negative", f"account {aid} ({code} {kind})",
                    f"closes {day} below zero (lowest {int(lowest)})")
            for aid, code, kind, day, lowest in rows]
