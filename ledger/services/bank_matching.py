"""Confirming, undoing and rejecting matches of statement lines to the books (issue #16), and
auto-matching the pairs nobody could dispute. Each rule refuses with its own message; every
change is audited. The two sides are read by ``bank_book``, suggestions made by
``bank_suggestions``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session, col, select

from ..errors import LedgerError, _l
from ..models import (
    BankAccount,
    BankMatch,
    BankMatchEntry,
    BankMatchLine,
    BankMatchRejection,
    Entry,
    StatementLine,
)
from ..vocab import MatchKind
from .audit import record_event
from .bank_book import (
    Movement,
    fund_movements,
    matched_entry_ids,
    matched_line_ids,
    on_account,
    rejected_pairs,
)
from .bank_reconciliation import ensure_not_reconciled
from .bank_suggestions import Suggestion, suggestions
from .journal import lock_fund
from .locks import locked_through


class MatchRefused(LedgerError):
    """A match the rules refuse; ``reason`` says which rule."""

    reasons: ClassVar[dict[str, str]] = {
        "empty": _l("Chọn ít nhất một dòng sao kê và một bút toán."),
        "sums_differ": _l(
            "Tổng các dòng sao kê (%(lines)s đ) khác tổng các bút toán (%(entries)s đ)."
        ),
        "line_matched": _l("Dòng sao kê ngày %(date)s (%(amount)s đ) đã được khớp."),
        "entry_matched": _l("Bút toán %(entry)s đã được khớp với một dòng sao kê khác."),
        "line_elsewhere": _l("Dòng sao kê không thuộc tài khoản này."),
        "entry_elsewhere": _l("Bút toán %(entry)s không thuộc quỹ hoặc tài khoản này."),
        "entry_not_bank": _l("Bút toán %(entry)s không ghi vào tài khoản tiền gửi ngân hàng."),
        "locked": _l(
            "Dòng sao kê ngày %(date)s thuộc kỳ đã khóa sổ đến %(locked)s; không bỏ khớp."
        ),
        "no_match": _l("Không tìm thấy cặp khớp này."),
    }

    def __init__(self, reason: str, **params: object) -> None:
        self.reason = reason
        super().__init__(self.reasons[reason], **params)


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


# --- confirming, undoing, rejecting ------------------------------------------------------


def _lines(session: Session, account: BankAccount, line_ids: Iterable[int]) -> list[StatementLine]:
    wanted = sorted(set(line_ids))
    rows = list(session.exec(select(StatementLine).where(col(StatementLine.id).in_(wanted))))
    if len(rows) != len(wanted) or any(r.bank_account_id != account.id for r in rows):
        raise MatchRefused("line_elsewhere")
    return rows


def _entries(session: Session, account: BankAccount, entry_ids: Iterable[int]) -> list[Movement]:
    wanted = sorted(set(entry_ids))
    known = set(
        session.exec(
            select(Entry.id).where(col(Entry.id).in_(wanted), Entry.unit_id == account.unit_id)
        ).all()
    )
    found = {m.entry_id: m for m in fund_movements(session, account.unit_id, entry_ids=wanted)}
    for entry_id in wanted:
        if entry_id not in known:
            raise MatchRefused("entry_elsewhere", entry=str(entry_id))
        if entry_id not in found:
            raise MatchRefused("entry_not_bank", entry=str(entry_id))
        if not on_account(found[entry_id], account):
            raise MatchRefused("entry_elsewhere", entry=str(entry_id))
    return [found[e] for e in wanted]


def confirm_match(
    session: Session,
    *,
    account: BankAccount,
    line_ids: Iterable[int],
    entry_ids: Iterable[int],
    kind: str = MatchKind.MANUAL,
    reason: str = "",
    user_id: int | None = None,
) -> BankMatch:
    """Record that these lines and these entries are the same money (each rule refuses
    with its own message: empty, another account or fund, not on the bank, already matched,
    sums differ)."""
    line_ids, entry_ids = list(line_ids), list(entry_ids)
    if not line_ids or not entry_ids:
        raise MatchRefused("empty")
    lock_fund(session, account.unit_id)  # one match at a time per fund
    lines = _lines(session, account, line_ids)
    movements = _entries(session, account, entry_ids)
    taken = matched_line_ids(session, [r.id for r in lines])
    for line in lines:
        if line.id in taken:
            raise MatchRefused(
                "line_matched", date=f"{line.line_date:%d/%m/%Y}", amount=_money(line.amount)
            )
    for movement in movements:
        if movement.entry_id in matched_entry_ids(session, [movement.entry_id]):
            raise MatchRefused("entry_matched", entry=movement.voucher or str(movement.entry_id))
    bank_total = sum(r.amount for r in lines)
    book_total = sum(m.amount for m in movements)
    if bank_total != book_total:
        raise MatchRefused("sums_differ", lines=_money(bank_total), entries=_money(book_total))
    match = BankMatch(
        bank_account_id=account.id, kind=str(kind), reason=reason[:500], made_by_id=user_id
    )
    session.add(match)
    session.flush()
    session.add_all(BankMatchLine(match_id=match.id, statement_line_id=r.id) for r in lines)
    session.add_all(
        BankMatchEntry(match_id=match.id, entry_id=m.entry_id, amount=m.amount) for m in movements
    )
    session.flush()
    record_event(
        session,
        action="bank_match.confirm",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_match",
        object_id=match.id,
        after={
            "account": account.id,
            "lines": sorted(r.id for r in lines),
            "entries": sorted(m.entry_id for m in movements),
            "amount": bank_total,
            "kind": str(kind),
        },
    )
    return match


def unmatch(
    session: Session, *, account: BankAccount, match_id: int, user_id: int | None = None
) -> None:
    """Undo a match (its lines and entries become unmatched again); refused when a line's
    date lies in a locked period (a reconciliation was filed on it)."""
    match = session.get(BankMatch, match_id)
    if match is None or match.bank_account_id != account.id:
        raise MatchRefused("no_match")
    lock_fund(session, account.unit_id)
    line_rows = list(
        session.exec(
            select(StatementLine)
            .join(BankMatchLine, col(BankMatchLine.statement_line_id) == StatementLine.id)
            .where(BankMatchLine.match_id == match.id)
        )
    )
    locked = locked_through(session, account.unit_id)
    for line in line_rows:
        if locked is not None and line.line_date <= locked:
            raise MatchRefused(
                "locked", date=f"{line.line_date:%d/%m/%Y}", locked=f"{locked:%d/%m/%Y}"
            )
    entries = list(session.exec(select(BankMatchEntry).where(BankMatchEntry.match_id == match.id)))
    dated = [line.line_date for line in line_rows] + [
        entry.entry_date
        for entry in session.exec(
            select(Entry).where(col(Entry.id).in_([e.entry_id for e in entries] or [0]))
        )
    ]
    if dated:  # what a saved reconciliation explained stays matched
        ensure_not_reconciled(session, account.id, min(dated))
    before = {
        "lines": sorted(r.id for r in line_rows),
        "entries": sorted(e.entry_id for e in entries),
        "reason": match.reason,
    }
    for row in [
        *entries,
        *session.exec(select(BankMatchLine).where(BankMatchLine.match_id == match.id)),
    ]:
        session.delete(row)
    session.flush()
    session.delete(match)
    session.flush()
    record_event(
        session,
        action="bank_match.undo",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_match",
        object_id=match_id,
        before=before,
    )


def reject_suggestion(
    session: Session,
    *,
    account: BankAccount,
    line_ids: Iterable[int],
    entry_ids: Iterable[int],
    user_id: int | None = None,
) -> None:
    """Remember that these lines are not these entries: the pair is not suggested again."""
    lines = _lines(session, account, line_ids)
    entries = sorted(set(entry_ids))
    fund_entries = set(
        session.exec(
            select(Entry.id).where(col(Entry.id).in_(entries), Entry.unit_id == account.unit_id)
        ).all()
    )
    for entry_id in entries:
        if entry_id not in fund_entries:
            raise MatchRefused("entry_elsewhere", entry=str(entry_id))
    known = rejected_pairs(session, [r.id for r in lines])
    for line in lines:
        for entry_id in entries:
            if (line.id, entry_id) not in known:
                session.add(
                    BankMatchRejection(
                        statement_line_id=line.id, entry_id=entry_id, rejected_by_id=user_id
                    )
                )
    session.flush()
    record_event(
        session,
        action="bank_match.reject",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_account",
        object_id=account.id,
        after={"lines": sorted(r.id for r in lines), "entries": entries},
    )


def auto_match(session: Session, account: BankAccount, user_id: int | None = None) -> int:
    """Confirm the suggestions nobody could dispute: one line, one entry, same amount, same
    date or a matching reference, and neither the line nor the entry has another candidate.
    Returns how many were matched."""
    best: dict[int, Suggestion] = {}
    claims: dict[int, int] = {}
    for line_id, found in suggestions(session, account, sums=False).items():
        one = [s for s in found if s.one_to_one]
        for s in one:
            claims[s.entry_ids[0]] = claims.get(s.entry_ids[0], 0) + 1
        if len(one) == 1 and _sure(one[0]):
            best[line_id] = one[0]
    done = 0
    for line_id, s in best.items():
        if claims[s.entry_ids[0]] != 1:
            continue
        confirm_match(
            session,
            account=account,
            line_ids=[line_id],
            entry_ids=s.entry_ids,
            kind=MatchKind.SUGGESTED,
            reason=s.reason_text,
            user_id=user_id,
        )
        done += 1
    return done


def _sure(s: Suggestion) -> bool:
    texts = {r.text for r in s.reasons}
    return "cùng ngày" in texts or "mã tham chiếu trùng" in texts


# --- what the page lists ----------------------------------------------------------------


@dataclass
class MatchView:
    """A confirmed match as the page shows it."""

    match: BankMatch
    lines: list[StatementLine]
    entries: list[Movement]


def matches_of(
    session: Session, account: BankAccount, match_ids: Iterable[int] | None = None
) -> list[MatchView]:
    """The account's matches (all, or these), with their lines and entries."""
    query = select(BankMatch).where(BankMatch.bank_account_id == account.id)
    if match_ids is not None:
        query = query.where(col(BankMatch.id).in_(list(match_ids) or [0]))
    matches = list(session.exec(query.order_by(col(BankMatch.id))))
    if not matches:
        return []
    ids = [m.id for m in matches]
    line_pairs = session.exec(
        select(BankMatchLine.match_id, StatementLine)
        .join(StatementLine, col(StatementLine.id) == BankMatchLine.statement_line_id)
        .where(col(BankMatchLine.match_id).in_(ids))
    ).all()
    entry_pairs = session.exec(
        select(BankMatchEntry.match_id, BankMatchEntry.entry_id).where(
            col(BankMatchEntry.match_id).in_(ids)
        )
    ).all()
    entry_ids = {e for _, e in entry_pairs}
    movements = {
        m.entry_id: m for m in fund_movements(session, account.unit_id, entry_ids=entry_ids)
    }
    views = {m.id: MatchView(m, [], []) for m in matches}
    for match_id, line in line_pairs:
        views[match_id].lines.append(line)
    for match_id, entry_id in entry_pairs:
        if entry_id in movements:
            views[match_id].entries.append(movements[entry_id])
    return list(views.values())
