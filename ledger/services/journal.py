"""Post balanced, hash-chained entries; reverse them; read balances.

Each fund's entries form a chain: an entry's hash covers its content and the previous entry's
hash of the same fund. Appending locks the fund's ``ChainHead`` row, which also serialises
everything else that must not race inside one fund (voucher numbers, balance checks).
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import bindparam, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..bulk import insert_rows, reserve_ids
from ..errors import (
    BalanceWouldGoNegative,
    BankReconciledThrough,
    CashCountedThrough,
    DateBeforeOriginal,
    DateNotPlausible,
    PeriodLocked,
    Phrase,
    UnbalancedEntry,
    VoidInLockedPeriod,
    VoidWouldOverdraw,
)
from ..models import (
    Account,
    BankAccount,
    BankReconciliation,
    CashCount,
    ChainHead,
    Entry,
    PeriodLock,
    Posting,
    Unit,
    table_of,
    utcnow,
)
from ..vocab import ASSET_PHRASES, AccountType, CashCountStatus
from .rollups import add_postings
from .units import account_ids, account_type, ensure_valid

#: no document of this ledger is dated before this day
EARLIEST_DATE = date(2000, 1, 1)
#: how far after today a document may be dated (a cheque dated ahead, a planned transfer)
FUTURE_MARGIN = timedelta(days=31)
#: how an asset account is named in a refusal
ASSET_LABELS = ASSET_PHRASES
#: the Core tables the bulk writer fills, looked up once
ENTRY_TABLE = table_of(Entry)
POSTING_TABLE = table_of(Posting)


@dataclass(frozen=True)
class Line:
    """One posting to be made: ``amount`` signed (debit +, credit −) on a fund's account kind."""

    kind: str
    amount: int
    credit_unit_id: int | None = None


def lock_fund(session: Session, unit_id: int) -> ChainHead:
    """Lock the fund's chain head for the rest of the transaction (FOR UPDATE on PostgreSQL)."""
    return session.exec(_chain_head(), params={"unit": unit_id}).one()


# The statements every posting runs are built once with named parameters (``cache``), as
# ``rollups`` builds its upserts: building a select and its cache key costs SQLAlchemy more
# than SQLite spends answering it (about 75 µs of a 110 µs lookup, README "Posting").
@cache
def _chain_head():
    return (
        select(ChainHead)
        .where(ChainHead.unit_id == bindparam("unit"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def ensure_open(session: Session, *, unit_id: int, on: date) -> None:
    """Refuse anything dated on or before the unit's locked-through date."""
    lock = session.get(PeriodLock, unit_id, populate_existing=True)
    if lock is not None and on <= lock.locked_through:
        unit = session.get_one(Unit, unit_id)
        raise PeriodLocked(unit=unit.name, date=lock.locked_through.strftime("%d/%m/%Y"))


def ensure_plausible(on: date, *, today: date | None = None) -> None:
    """Refuse an absurd date: before 2000 or more than ``FUTURE_MARGIN`` after today."""
    latest = (today or date.today()) + FUTURE_MARGIN
    if not EARLIEST_DATE <= on <= latest:
        raise DateNotPlausible(
            date=on.strftime("%d/%m/%Y"),
            earliest=EARLIEST_DATE.strftime("%d/%m/%Y"),
            latest=latest.strftime("%d/%m/%Y"),
        )


def ensure_dated(session: Session, *, unit_id: int, first: date, last: date | None = None) -> None:
    """Every date from ``first`` to ``last`` is plausible, inside the unit's validity and after
    its lock (each rule its own refusal)."""
    days = sorted({first, last or first})
    for day in days:
        ensure_plausible(day)
    unit = session.get_one(Unit, unit_id)
    for day in days:
        ensure_valid(unit, day)
    ensure_open(session, unit_id=unit_id, on=first)


def entry_hash(
    *,
    prev_hash: str,
    unit_id: int,
    seq: int,
    entry_date: date,
    kind: str,
    reverses_id: int | None,
    postings: list[tuple[int, int, int | None]],
) -> str:
    """sha256 over the entry's content and the previous hash; postings as (account, amount, unit).

    The document's id is not hashed (the chain format predates reserving ids before writing);
    ``check`` compares each document with its entry instead.
    """
    content = json.dumps(
        [
            prev_hash,
            unit_id,
            seq,
            entry_date.isoformat(),
            kind,
            reverses_id,
            sorted(postings, key=lambda p: (p[0], p[1], p[2] or 0)),
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode()).hexdigest()


@dataclass(frozen=True)
class NewEntry:
    """An entry to append: its date, kind and balanced lines."""

    entry_date: date
    kind: str
    lines: tuple[Line, ...]
    document_id: int | None = None
    memo: str = ""
    reverses_id: int | None = None


def post_entries(
    session: Session,
    *,
    unit_id: int,
    entries: list[NewEntry],
    user_id: int | None = None,
    dates_checked: bool = False,
    head: ChainHead | None = None,
) -> list[int]:
    """Append balanced entries to the fund's chain in one go; returns their ids in order.

    One lock, one multi-row insert for entries and one for postings, one update per account:
    the same path serves a single receipt, a 100,000-row import and the benchmark generator.
    Every date must be plausible, inside the unit's validity and after its period lock; a
    caller that has checked the first two for each entry (receipts do, row by row, so a
    refusal names the first bad row) says ``dates_checked`` and only the lock is checked here.
    A caller that already holds the fund's lock in this transaction passes the ``head``
    ``lock_fund`` gave it (nobody else can move it meanwhile), saving a second read.
    """
    if not entries:
        return []
    for new in entries:
        if (
            not new.lines
            or sum(ln.amount for ln in new.lines) != 0
            or any(not ln.amount for ln in new.lines)
        ):
            raise UnbalancedEntry()
    head = head if head is not None else lock_fund(session, unit_id)
    first = min(e.entry_date for e in entries)
    if dates_checked:
        ensure_open(session, unit_id=unit_id, on=first)
    else:
        ensure_dated(session, unit_id=unit_id, first=first, last=max(e.entry_date for e in entries))
    ensure_cash_uncounted(session, unit_id=unit_id, entries=entries)
    ensure_bank_unreconciled(session, unit_id=unit_id, entries=entries)
    kinds = [ln.kind for new in entries for ln in new.lines]
    seq, prev, now = head.last_seq, head.last_hash, utcnow()
    accounts = account_ids(session, unit_id=unit_id, kinds=kinds)
    resolved_all = [
        [(accounts[ln.kind], ln.amount, ln.credit_unit_id) for ln in new.lines] for new in entries
    ]
    assets = _assets(accounts)
    ensure_covered(session, entries, resolved_all, assets)
    entry_rows = []
    for new, resolved in zip(entries, resolved_all, strict=False):
        seq += 1
        digest = entry_hash(
            prev_hash=prev,
            unit_id=unit_id,
            seq=seq,
            entry_date=new.entry_date,
            kind=new.kind,
            reverses_id=new.reverses_id,
            postings=resolved,
        )
        entry_rows.append(
            {
                "unit_id": unit_id,
                "seq": seq,
                "entry_date": new.entry_date,
                "kind": new.kind,
                "document_id": new.document_id,
                "memo": new.memo[:500],
                "reverses_id": new.reverses_id,
                "created_by_id": user_id,
                "created_at": now,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    ids = reserve_ids(session, ENTRY_TABLE, len(entry_rows))
    for row, entry_id in zip(entry_rows, ids, strict=False):
        row["id"] = entry_id
    insert_rows(session, ENTRY_TABLE, entry_rows)
    _insert_postings(session, unit_id, ids, entries, resolved_all, assets)
    head.last_seq, head.last_hash = seq, prev
    session.flush()
    return ids


#: a cash count is settled (a balance assertion) once balanced or its difference posted
SETTLED = (CashCountStatus.BALANCED.value, CashCountStatus.POSTED.value)


def ensure_cash_uncounted(session: Session, *, unit_id: int, entries: list[NewEntry]) -> None:
    """Entries that move cash are dated after the fund's latest settled cash count."""
    cash_days = [e.entry_date for e in entries if any(ln.kind == "cash" for ln in e.lines)]
    if cash_days:
        ensure_cash_after_count(session, unit_id=unit_id, on=min(cash_days))


def latest_settled_count(session: Session, unit_id: int) -> date | None:
    """The date of the fund's latest settled cash count, if any."""
    return session.exec(_latest_count(), params={"unit": unit_id}).one()


@cache
def _latest_count():
    return select(func.max(CashCount.count_date)).where(
        CashCount.unit_id == bindparam("unit"), col(CashCount.status).in_(SETTLED)
    )


def ensure_cash_after_count(session: Session, *, unit_id: int, on: date) -> None:
    """Refuse a cash posting dated ``on`` when the fund's cash was counted and settled on or
    after that day: the count asserts the cash book's balance at the end of its date (a void
    of an older cash voucher too: the correction is a new voucher after the count)."""
    counted = latest_settled_count(session, unit_id)
    if counted is not None and on <= counted:
        raise CashCountedThrough(date=counted.strftime("%d/%m/%Y"))


def ensure_bank_unreconciled(session: Session, *, unit_id: int, entries: list[NewEntry]) -> None:
    """Entries that move bank money are dated after the span every open bank account of the
    fund has reconciled (a saved Bảng đối chiếu states the books' balance at its end: a
    backdated bank entry would silently change it). A fund with an account never reconciled
    is not held back (the posting may belong to that account)."""
    bank_days = [e.entry_date for e in entries if any(ln.kind == "bank" for ln in e.lines)]
    if bank_days:
        ensure_bank_after_reconciliation(session, unit_id=unit_id, on=min(bank_days))


def ensure_bank_after_reconciliation(session: Session, *, unit_id: int, on: date) -> None:
    """Refuse a bank posting dated ``on`` inside the span the fund's bank accounts have
    reconciled (``reconciled_through``)."""
    through = reconciled_through(session, unit_id)
    if through is not None and on <= through:
        raise BankReconciledThrough(date=through.strftime("%d/%m/%Y"))


def reconciled_through(session: Session, unit_id: int) -> date | None:
    """The last day every open bank account of the fund has a saved reconciliation through
    (None when one has none)."""
    ends = session.exec(
        select(BankAccount.id, func.max(BankReconciliation.period_to))
        .outerjoin(BankReconciliation, col(BankReconciliation.bank_account_id) == BankAccount.id)
        .where(BankAccount.unit_id == unit_id, col(BankAccount.closed_on).is_(None))
        .group_by(col(BankAccount.id))
    ).all()
    if not ends or any(end is None for _id, end in ends):
        return None
    return min(end for _id, end in ends)


def ensure_covered(session: Session, entries, resolved_all, assets: set[int]) -> None:
    """Refuse lines that would take an asset account (``assets``: their ids) below zero on
    any day from their date on.

    A cash book must never close a day below zero: a payout (or a void) dated before the
    money that funds it arrived is refused even when today's balance would cover it. Reads
    only the daily sums from the earliest outgoing line on (usually none: posting today);
    nothing at all when no asset's money goes out (a receipt).
    """
    deltas: dict[int, dict[date, int]] = {}
    outgoing: dict[int, date] = {}
    for new, resolved in zip(entries, resolved_all, strict=False):
        for account, amount, _credit in resolved:
            days = deltas.setdefault(account, {})
            days[new.entry_date] = days.get(new.entry_date, 0) + amount
            if amount < 0 and account in assets:
                outgoing[account] = min(outgoing.get(account, new.entry_date), new.entry_date)
    if not outgoing:
        return
    rows = session.exec(
        select(col(Account.id), Account.kind, Account.balance).where(
            col(Account.id).in_(outgoing), Account.type == "asset"
        )
    ).all()
    for account, kind, current in rows:
        start = outgoing[account]
        daily: dict[date, int] = dict(
            session.exec(
                select(col(Posting.entry_date), func.sum(Posting.amount))
                .where(Posting.account_id == account, Posting.entry_date >= start)
                .group_by(col(Posting.entry_date))
            ).all()
        )
        running = int(current) - sum(int(v) for v in daily.values())
        running += sum(v for d, v in deltas[account].items() if d < start)
        for day in sorted(set(daily) | {d for d in deltas[account] if d >= start}):
            running += int(daily.get(day, 0)) + deltas[account].get(day, 0)
            if running < 0:
                raise BalanceWouldGoNegative(
                    account=Phrase(ASSET_LABELS.get(kind, kind)),
                    balance=running,
                    date=day.strftime("%d/%m/%Y"),
                )


def _assets(accounts: dict[str, int]) -> set[int]:
    """The asset accounts among ``accounts`` (kind → id), by kind: the ones whose update the
    ``asset_not_negative`` CHECK can refuse, and the ones ``ensure_covered`` checks. Told by
    kind, so the CHECK still reaches the user as the rule if that check ever misses a case."""
    return {i for kind, i in accounts.items() if account_type(kind) == AccountType.ASSET}


def _insert_postings(
    session: Session, unit_id: int, ids, entries, resolved_all, guarded: set[int]
) -> None:
    rows: list[dict[str, object]] = []
    totals: dict[int, int] = {}
    rolled: list[tuple[str, int, int | None, date]] = []
    for entry_id, new, resolved in zip(ids, entries, resolved_all, strict=False):
        for line, (account, amount, credit) in zip(new.lines, resolved, strict=True):
            rows.append(
                {
                    "entry_id": entry_id,
                    "account_id": account,
                    "amount": amount,
                    "credit_unit_id": credit,
                    "entry_date": new.entry_date,
                }
            )
            totals[account] = totals.get(account, 0) + amount
            rolled.append((line.kind, amount, credit, new.entry_date))
    insert_rows(session, POSTING_TABLE, rows)
    for account, amount in totals.items():
        _add_to_balance(session, account, amount, guarded=account in guarded)
    add_postings(session, fund_id=unit_id, lines=rolled)


def _add_to_balance(session: Session, account: int, amount: int, *, guarded: bool) -> None:
    """Move the running balance; the database refuses an asset below zero (CHECK
    ``asset_not_negative``), which the user reads as the rule, never as a server error.
    Only an asset account taking money out (``guarded``) can break the CHECK: only its update
    pays for a savepoint (a receipt's income line does not: two statements fewer)."""
    statement, params = _add_balance(), {"account": account, "amount": amount}
    if amount >= 0 or not guarded:
        session.exec(statement, params=params)
        return
    try:
        with session.begin_nested():  # a savepoint keeps the transaction usable on PostgreSQL
            session.exec(statement, params=params)
    except IntegrityError as error:
        if "asset_not_negative" not in str(error.orig):
            raise
        kind, current = session.exec(
            select(Account.kind, Account.balance).where(Account.id == account)
        ).one()
        raise BalanceWouldGoNegative(
            account=Phrase(ASSET_LABELS.get(kind, kind)),
            balance=int(current) + amount,
            date=date.today().strftime("%d/%m/%Y"),
        ) from None


@cache
def _add_balance():
    return (
        update(Account)
        .where(col(Account.id) == bindparam("account"))
        .values(balance=col(Account.balance) + bindparam("amount"))
        .execution_options(synchronize_session=False)
    )


def post_entry(
    session: Session,
    *,
    unit_id: int,
    entry_date: date,
    kind: str,
    lines: list[Line],
    document_id: int | None = None,
    memo: str = "",
    reverses_id: int | None = None,
    user_id: int | None = None,
) -> Entry:
    """Append one balanced entry to the fund's chain (see ``post_entries``)."""
    [entry_id] = post_entries(
        session,
        unit_id=unit_id,
        user_id=user_id,
        entries=[
            NewEntry(
                entry_date=entry_date,
                kind=kind,
                lines=tuple(lines),
                document_id=document_id,
                memo=memo,
                reverses_id=reverses_id,
            )
        ],
    )
    return session.get_one(Entry, entry_id)


def reverse_entry(
    session: Session,
    *,
    entry_id: int,
    on: date,
    kind: str,
    memo: str = "",
    user_id: int | None = None,
) -> Entry:
    """Post the mirror image of ``entry_id`` dated ``on`` (a correction never edits)."""
    original = session.get_one(Entry, entry_id)
    rows = session.exec(
        select(Account.kind, Posting.amount, col(Posting.credit_unit_id))
        .join(Account, col(Account.id) == Posting.account_id)
        .where(Posting.entry_id == entry_id)
        .order_by(col(Posting.id))
    ).all()
    lines = [Line(kind=k, amount=-amount, credit_unit_id=credit) for k, amount, credit in rows]
    return post_entry(
        session,
        unit_id=original.unit_id,
        entry_date=on,
        kind=kind,
        lines=lines,
        document_id=original.document_id,
        memo=memo,
        reverses_id=original.id,
        user_id=user_id,
    )


def ensure_void_allowed(
    session: Session, *, unit_id: int, number: str, voucher_date: date, on: date | None = None
) -> None:
    """A voucher is voided as of its own date, so its period must be open; ``on`` (the day
    the void is made) is plausible and not before the voucher."""
    on = on or date.today()
    ensure_plausible(on)
    if on < voucher_date:
        raise DateBeforeOriginal(
            date=on.strftime("%d/%m/%Y"), original=voucher_date.strftime("%d/%m/%Y")
        )
    lock = session.get(PeriodLock, unit_id, populate_existing=True)
    if lock is not None and voucher_date <= lock.locked_through:
        raise VoidInLockedPeriod(
            number=number,
            date=voucher_date.strftime("%d/%m/%Y"),
            locked=lock.locked_through.strftime("%d/%m/%Y"),
        )


@contextmanager
def overdraw_refused(number: str):
    """Turn an overdraft caused by voiding voucher ``number`` into the refusal that says what
    to do instead."""
    try:
        yield
    except BalanceWouldGoNegative as error:
        raise VoidWouldOverdraw(
            number=number, account=error.params["account"], date=error.params["date"]
        ) from None


def balance(session: Session, *, unit_id: int, kinds: tuple[str, ...] = ("cash", "bank")) -> int:
    """The fund's running balance over ``kinds`` (cash and bank by default)."""
    total = session.exec(
        select(func.coalesce(func.sum(Account.balance), 0)).where(
            Account.unit_id == unit_id, col(Account.kind).in_(kinds)
        )
    ).one()
    return int(total)


def balance_from_postings(
    session: Session, *, unit_id: int, kinds: tuple[str, ...], through: date | None = None
) -> int:
    """The same balance summed from postings, optionally up to ``through``."""
    query = (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(Account, col(Account.id) == Posting.account_id)
        .where(Account.unit_id == unit_id, col(Account.kind).in_(kinds))
    )
    if through is not None:
        query = query.where(Posting.entry_date <= through)
    return int(session.exec(query).one())
