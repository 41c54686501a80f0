"""Verify the books: every entry balances, each fund's hash chain, balances equal postings."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import func, select
from sqlmodel import Session

from ..models import Account, ChainHead, Entry, Posting, Receipt, Unit
from .journal import entry_hash


@dataclass(frozen=True)
class Problem:
    """One broken row, named so an operator can find it."""

    what: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.where}: {self.detail}"


def check_books(session: Session) -> list[Problem]:
    """Every check; an empty list means the books are sound."""
    return [*check_balanced(session), *check_chains(session), *check_account_balances(session),
            *check_receipts(session)]


def check_balanced(session: Session) -> list[Problem]:
    """Entries whose postings do not sum to zero, or that have no postings."""
    sums = (select(Entry.id, Entry.unit_id, Entry.seq, func.coalesce(func.sum(Posting.amount), 0),
                   func.count(Posting.id))
            .outerjoin(Posting, Posting.entry_id == Entry.id).group_by(Entry.id))
    return [Problem("unbalanced", f"entry {eid} (fund {uid}, seq {seq})",
                    f"postings sum to {total} over {count} lines")
            for eid, uid, seq, total, count in session.exec(sums).all()
            if total != 0 or count == 0]


def check_chains(session: Session) -> list[Problem]:
    """Walk each fund's chain in order, recomputing every hash and link."""
    problems: list[Problem] = []
    postings = _postings_by_entry(session)
    entries = session.exec(select(Entry).order_by(Entry.unit_id, Entry.seq)).scalars()
    heads = {h.unit_id: h for h in session.exec(select(ChainHead)).scalars()}
    last_by_fund: dict[int, tuple[int, str]] = {}
    for unit_id, chain in groupby(entries, key=lambda e: e.unit_id):
        last_by_fund[unit_id] = _walk(chain, postings, problems)
    for unit_id, head in heads.items():
        seq, digest = last_by_fund.get(unit_id, (0, ""))
        if (head.last_seq, head.last_hash) != (seq, digest):
            problems.append(Problem("chain_head", f"fund {unit_id}",
                                    f"head says seq {head.last_seq}, journal ends at seq {seq}"))
    return problems


def _walk(chain, postings, problems: list[Problem]) -> tuple[int, str]:
    prev_seq, prev_hash = 0, ""
    for entry in chain:
        where = f"entry {entry.id} (fund {entry.unit_id}, seq {entry.seq})"
        if entry.seq != prev_seq + 1:
            problems.append(Problem("chain_gap", where, f"expected seq {prev_seq + 1}"))
        if entry.prev_hash != prev_hash:
            problems.append(Problem("chain_link", where, "previous hash does not match"))
        expected = entry_hash(prev_hash=entry.prev_hash, unit_id=entry.unit_id, seq=entry.seq,
                              entry_date=entry.entry_date, kind=entry.kind,
                              reverses_id=entry.reverses_id,
                              postings=postings.get(entry.id, []))
        if expected != entry.hash:
            problems.append(Problem("hash", where, "content does not match its hash"))
        prev_seq, prev_hash = entry.seq, entry.hash
    return prev_seq, prev_hash


def _postings_by_entry(session: Session) -> dict[int, list[tuple[int, int, int | None]]]:
    rows = session.exec(select(Posting.entry_id, Posting.account_id, Posting.amount,
                               Posting.credit_unit_id, Posting.entry_date, Entry.entry_date,
                               Account.unit_id, Entry.unit_id)
                        .join(Entry, Entry.id == Posting.entry_id)
                        .join(Account, Account.id == Posting.account_id)
                        .order_by(Posting.entry_id, Posting.id)).all()
    found: dict[int, list] = {}
    for entry_id, account, amount, credit, line_date, entry_date, acc_unit, entry_unit in rows:
        # a line moved to another date or fund must break the hash too
        marker = account if (line_date == entry_date and acc_unit == entry_unit) else -account
        found.setdefault(entry_id, []).append((marker, amount, credit))
    return found


def check_account_balances(session: Session) -> list[Problem]:
    """Accounts whose running balance differs from the sum of their postings."""
    sums = (select(Account.id, Unit.code, Account.kind, Account.balance,
                   func.coalesce(func.sum(Posting.amount), 0))
            .join(Unit, Unit.id == Account.unit_id)
            .outerjoin(Posting, Posting.account_id == Account.id).group_by(Account.id, Unit.code))
    return [Problem("balance", f"account {aid} ({code} {kind})",
                    f"running balance {bal} but postings sum to {total}")
            for aid, code, kind, bal, total in session.exec(sums).all() if bal != total]


def check_receipts(session: Session) -> list[Problem]:
    """Receipts whose amount, date or fund differ from the entry they posted."""
    debit = (select(Posting.entry_id, func.sum(Posting.amount).label("amount"))
             .where(Posting.amount > 0).group_by(Posting.entry_id).subquery())
    rows = session.exec(select(Receipt.id, Receipt.unit_id, Receipt.number, Receipt.amount,
                               Receipt.receipt_date, Entry.unit_id, Entry.entry_date,
                               Entry.kind, debit.c.amount)
                        .outerjoin(Entry, Entry.id == Receipt.entry_id)
                        .outerjoin(debit, debit.c.entry_id == Receipt.entry_id)).all()
    return [Problem("receipt", f"receipt {rid} (fund {unit}, no. {number})",
                    f"amount {amount} dated {day} does not match its entry")
            for rid, unit, number, amount, day, e_unit, e_day, kind, posted in rows
            if (e_unit, e_day, kind, posted) != (unit, day, "receipt", amount)]
