"""Matching statement lines to the books (issue #16): a bank account's side of the journal,
ranked suggestions with their reasons, and confirming, undoing or rejecting a match.

A bank account's book side is every entry of its fund that posted to the fund's ``bank``
ledger account and whose document names this bank account (or names none, when it is the
fund's primary account). An entry's movement is the Σ of its postings on that account, signed
like the statement: money in > 0.

Suggestions are only suggestions: nothing is matched until the treasurer confirms it (or
presses "Tự động khớp", which confirms only one-to-one pairs nobody could dispute).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import ClassVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import LedgerError, _l
from ..exports.vouchers import voucher_number
from ..models import (
    Account,
    BankAccount,
    BankMatch,
    BankMatchEntry,
    BankMatchLine,
    BankMatchRejection,
    Disbursement,
    Entry,
    Posting,
    Receipt,
    StatementLine,
    Transfer,
    select_rows,
)
from ..text import fold
from ..vietqr import parse_reference
from ..vocab import EntryKind, MatchKind
from .audit import record_event
from .journal import lock_fund
from .locks import locked_through

#: how many days apart a line and an entry may be to be suggested together
DATE_WINDOW = 5
#: a one-to-many or many-to-one search looks at most at this many nearby candidates …
SUBSET_CANDIDATES = 20
#: … for at most this many of them together
SUBSET_SIZE = 6
#: and gives up after this many steps (a line's suggestions stay instant)
SUBSET_STEPS = 20_000
#: a line is tried as part of at most this many larger entries (many-to-one)
SPLIT_TARGETS = 5


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


@dataclass(frozen=True)
class Movement:
    """One entry's movement on a bank account, with the document that posted it."""

    entry_id: int
    entry_date: date
    #: signed like the statement: money in > 0
    amount: int
    kind: str
    #: receipt, disbursement, transfer, bank_fee or "" (the document's table)
    doc_kind: str
    doc_id: int | None
    #: "17/2018", or "" when the document has no voucher number
    voucher: str
    #: the payer or payee as written on the document
    party: str
    memo: str
    #: the document's own reference (số biên lai), "" when none
    reference: str
    bank_account_id: int | None


@dataclass(frozen=True)
class Reason:
    """One reason a suggestion is made: a msgid and its parameters (translated where shown)."""

    text: str
    params: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        return self.text % dict(self.params) if self.params else self.text


@dataclass
class Suggestion:
    """Lines and entries that look like the same money, with a score and the reasons."""

    line_ids: tuple[int, ...]
    entries: tuple[Movement, ...]
    score: int
    reasons: list[Reason] = field(default_factory=list)

    @property
    def entry_ids(self) -> tuple[int, ...]:
        return tuple(m.entry_id for m in self.entries)

    @property
    def one_to_one(self) -> bool:
        return len(self.line_ids) == 1 and len(self.entries) == 1

    @property
    def reason_text(self) -> str:
        """The reasons in Vietnamese, as a match stores them."""
        return "; ".join(str(r) for r in self.reasons)


# --- the book side ----------------------------------------------------------------------


def bank_ledger_account(session: Session, unit_id: int) -> int | None:
    """The id of the fund's ``bank`` ledger account (None before the fund has one)."""
    return session.exec(
        select(Account.id).where(Account.unit_id == unit_id, Account.kind == "bank")
    ).first()


def bank_movements(
    session: Session,
    account: BankAccount,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    unmatched_only: bool = False,
) -> list[Movement]:
    """Every entry of the fund that moved money on ``account`` in the date range, oldest first."""
    found = fund_movements(
        session,
        account.unit_id,
        date_from=date_from,
        date_to=date_to,
        unmatched_only=unmatched_only,
    )
    return [m for m in found if _on_account(m, account)]


def fund_movements(
    session: Session,
    unit_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    unmatched_only: bool = False,
    entry_ids: Iterable[int] | None = None,
) -> list[Movement]:
    """Every entry of the fund that moved money on its ``bank`` ledger account, whichever
    bank account its document names (``Movement.bank_account_id``)."""
    ledger_id = bank_ledger_account(session, unit_id)
    if ledger_id is None:
        return []
    query = (
        select_rows(
            col(Entry.id),
            Entry.entry_date,
            Entry.kind,
            col(Entry.document_id),
            Entry.memo,
            func.sum(Posting.amount),
        )
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .where(Posting.account_id == ledger_id)
        .group_by(
            col(Entry.id),
            col(Entry.entry_date),
            col(Entry.kind),
            col(Entry.document_id),
            col(Entry.memo),
        )
        .order_by(col(Entry.entry_date), col(Entry.id))
    )
    if date_from is not None:
        query = query.where(Posting.entry_date >= date_from)
    if date_to is not None:
        query = query.where(Posting.entry_date <= date_to)
    if entry_ids is not None:
        query = query.where(col(Entry.id).in_(list(entry_ids) or [0]))
    rows = [r for r in session.exec(query).all() if int(r[5])]
    if unmatched_only:
        matched = matched_entry_ids(session, [r[0] for r in rows])
        rows = [r for r in rows if r[0] not in matched]
    documents = _Documents(session, rows)
    return [documents.movement(*row) for row in rows]


def _on_account(movement: Movement, account: BankAccount) -> bool:
    if movement.bank_account_id is None:
        return account.is_primary
    return movement.bank_account_id == account.id


_RECEIPT_KINDS = (EntryKind.RECEIPT, EntryKind.RECEIPT_VOID, EntryKind.RECEIPT_CORRECTION)
_PAYOUT_KINDS = (EntryKind.DISBURSEMENT, EntryKind.DISBURSEMENT_VOID)
_TRANSFER_KINDS = (
    EntryKind.TRANSFER_SENT,
    EntryKind.TRANSFER_RECEIVED,
    EntryKind.TRANSFER_INTERNAL,
)


class _Documents:
    """The documents behind a list of entries, read in one query per table."""

    def __init__(self, session: Session, rows) -> None:
        def of(kinds) -> set[int]:
            return {r[3] for r in rows if r[2] in kinds and r[3] is not None}

        self.receipts = _by_id(session, Receipt, of(_RECEIPT_KINDS))
        self.payouts = _by_id(session, Disbursement, of(_PAYOUT_KINDS))
        self.transfers = _by_id(session, Transfer, of(_TRANSFER_KINDS))
        self.fee_lines = _by_id(session, StatementLine, of((EntryKind.BANK_FEE,)))

    def movement(self, entry_id, entry_date, kind, document_id, memo, amount) -> Movement:
        base = {
            "entry_id": entry_id,
            "entry_date": entry_date,
            "amount": int(amount),
            "kind": kind,
            "doc_id": document_id,
            "memo": memo,
        }
        if kind in _RECEIPT_KINDS and document_id in self.receipts:
            r = self.receipts[document_id]
            return Movement(
                **base,
                doc_kind="receipt",
                voucher=voucher_number(r.number, r.year),
                party=r.payer_name,
                reference=r.reference,
                bank_account_id=r.bank_account_id,
            )
        if kind in _PAYOUT_KINDS and document_id in self.payouts:
            d = self.payouts[document_id]
            return Movement(
                **base,
                doc_kind="disbursement",
                voucher=voucher_number(d.number, d.year) if d.number else "",
                party=d.payee_name,
                reference="",
                bank_account_id=d.bank_account_id,
            )
        if kind in _TRANSFER_KINDS and document_id in self.transfers:
            t = self.transfers[document_id]
            leaving = kind == EntryKind.TRANSFER_SENT or (
                kind == EntryKind.TRANSFER_INTERNAL and int(amount) < 0
            )
            return Movement(
                **base,
                doc_kind="transfer",
                voucher=voucher_number(t.number, t.sent_on.year) if t.number else "",
                party="",
                reference="",
                bank_account_id=t.from_bank_account_id if leaving else t.to_bank_account_id,
            )
        if kind == EntryKind.BANK_FEE and document_id in self.fee_lines:
            line = self.fee_lines[document_id]
            return Movement(
                **base,
                doc_kind="bank_fee",
                voucher="",
                party="",
                reference=line.bank_ref,
                bank_account_id=line.bank_account_id,
            )
        return Movement(
            **base, doc_kind="", voucher="", party="", reference="", bank_account_id=None
        )


def _by_id(session: Session, model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}


def matched_entry_ids(session: Session, entry_ids: Iterable[int]) -> set[int]:
    """Which of these entries are already matched."""
    wanted = list(entry_ids)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(BankMatchEntry.entry_id).where(col(BankMatchEntry.entry_id).in_(wanted))
        ).all()
    )


def matched_line_ids(session: Session, line_ids: Iterable[int]) -> set[int]:
    """Which of these statement lines are already matched."""
    wanted = list(line_ids)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(BankMatchLine.statement_line_id).where(
                col(BankMatchLine.statement_line_id).in_(wanted)
            )
        ).all()
    )


# --- the bank side ----------------------------------------------------------------------


def unmatched_lines(
    session: Session,
    account: BankAccount,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[StatementLine]:
    """The account's statement lines no match holds yet, in the bank's order."""
    query = (
        select(StatementLine)
        .where(
            StatementLine.bank_account_id == account.id,
            col(StatementLine.id).not_in(select(BankMatchLine.statement_line_id)),
        )
        .order_by(col(StatementLine.line_date), col(StatementLine.id))
    )
    if date_from is not None:
        query = query.where(StatementLine.line_date >= date_from)
    if date_to is not None:
        query = query.where(StatementLine.line_date <= date_to)
    return list(session.exec(query).all())


def matched_lines(
    session: Session,
    account: BankAccount,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[tuple[int, StatementLine]]:
    """(match id, line) of the account's matched lines, in the bank's order."""
    query = (
        select(BankMatchLine.match_id, StatementLine)
        .join(StatementLine, col(StatementLine.id) == BankMatchLine.statement_line_id)
        .where(StatementLine.bank_account_id == account.id)
        .order_by(col(StatementLine.line_date), col(StatementLine.id))
    )
    if date_from is not None:
        query = query.where(StatementLine.line_date >= date_from)
    if date_to is not None:
        query = query.where(StatementLine.line_date <= date_to)
    return [(match_id, line) for match_id, line in session.exec(query).all()]


def _rejected(session: Session, line_ids: list[int]) -> set[tuple[int, int]]:
    if not line_ids:
        return set()
    return {
        (r.statement_line_id, r.entry_id)
        for r in session.exec(
            select(BankMatchRejection).where(
                col(BankMatchRejection.statement_line_id).in_(line_ids)
            )
        )
    }


# --- suggestions ------------------------------------------------------------------------


@dataclass
class _Pool:
    """What suggestions are drawn from: unmatched lines and entries, and the rejected pairs."""

    lines: list[StatementLine]
    movements: list[Movement]
    rejected: set[tuple[int, int]]
    window: int
    #: lines and entries that have a same-amount partner nearby: never part of a sum
    paired_lines: set[int] = field(default_factory=set)
    paired_entries: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.movements.sort(key=lambda m: (m.entry_date, m.entry_id))
        self._dates = [m.entry_date for m in self.movements]
        by_amount: dict[int, list[Movement]] = {}
        for m in self.movements:
            by_amount.setdefault(m.amount, []).append(m)
        for line in self.lines:
            for m in by_amount.get(line.amount, ()):
                if abs((m.entry_date - line.line_date).days) <= self.window:
                    self.paired_lines.add(line.id)
                    self.paired_entries.add(m.entry_id)

    def near(self, on: date, *, sign: int) -> list[Movement]:
        """Entries within the window of ``on`` moving money the same way (bisected by date)."""
        reach = timedelta(days=self.window)
        start = bisect_left(self._dates, on - reach)
        stop = bisect_right(self._dates, on + reach)
        return [m for m in self.movements[start:stop] if (m.amount > 0) == (sign > 0)]

    def allowed(self, line_ids: Iterable[int], entry_ids: Iterable[int]) -> bool:
        entries = list(entry_ids)
        return not any((line, entry) in self.rejected for line in line_ids for entry in entries)


def pool(
    session: Session,
    account: BankAccount,
    *,
    window: int = DATE_WINDOW,
    around: list[StatementLine] | None = None,
) -> _Pool:
    """Unmatched lines and entries of the account (entries dated around the lines); with
    ``around`` (a page of lines), only what lies near those lines."""
    if around:
        reach = timedelta(days=2 * window)
        lines = unmatched_lines(
            session,
            account,
            date_from=min(line.line_date for line in around) - reach,
            date_to=max(line.line_date for line in around) + reach,
        )
    else:
        lines = unmatched_lines(session, account)
    if not lines:
        return _Pool([], [], set(), window)
    first = min(line.line_date for line in lines) - timedelta(days=window)
    last = max(line.line_date for line in lines) + timedelta(days=window)
    movements = bank_movements(session, account, date_from=first, date_to=last, unmatched_only=True)
    return _Pool(lines, movements, _rejected(session, [line.id for line in lines]), window)


def suggestions_for(line: StatementLine, found: _Pool, *, sums: bool = True) -> list[Suggestion]:
    """Ranked candidates for one unmatched line: one-to-one, then sums of several entries,
    then several lines summing to one entry; best first."""
    near = found.near(line.line_date, sign=line.amount)
    result = [
        _one_to_one(line, m)
        for m in near
        if m.amount == line.amount and found.allowed([line.id], [m.entry_id])
    ]
    if not result and sums:
        result += _one_to_many(line, near, found)
        result += _many_to_one(line, near, found)
    return sorted(result, key=lambda s: (-s.score, s.entries[0].entry_date, s.entry_ids))


def suggestions(
    session: Session, account: BankAccount, *, window: int = DATE_WINDOW, sums: bool = True
) -> dict[int, list[Suggestion]]:
    """Line id → its ranked suggestions, for every unmatched line of the account (without
    ``sums``, one-to-one only)."""
    found = pool(session, account, window=window)
    return {line.id: suggestions_for(line, found, sums=sums) for line in found.lines}


def _days_reason(days: int) -> Reason:
    if days == 0:
        return Reason(_l("cùng ngày"))
    return Reason(_l("cách %(days)s ngày"), (("days", days),))


def _one_to_one(line: StatementLine, movement: Movement) -> Suggestion:
    days = abs((movement.entry_date - line.line_date).days)
    score = 50 + max(0, 30 - 6 * days)
    reasons = [Reason(_l("cùng số tiền")), _days_reason(days)]
    text = fold(line.description)
    if _same_reference(line, movement, text):
        score += 40
        reasons.append(Reason(_l("mã tham chiếu trùng")))
    elif movement.voucher and _word_in(movement.voucher, text):
        score += 40
        reasons.append(Reason(_l("số phiếu %(number)s trùng"), (("number", movement.voucher),)))
    name = fold(movement.party)
    if len(name) >= 5 and " " in name and _word_in(name, text):
        score += 25
        reasons.append(
            Reason(_l("tên người nộp %(name)s trùng"), (("name", line_name(line, name)),))
        )
    reference = parse_reference(line.description)
    if reference is not None and movement.doc_kind == "receipt":
        reasons.append(Reason(_l("Mã ủng hộ QR: %(code)s"), (("code", _qr_code(reference)),)))
    return Suggestion((line.id,), (movement,), score, reasons)


def _word_in(needle: str, text: str) -> bool:
    """``needle`` in ``text`` as whole words ("nguyen van a" is not in "nguyen van an")."""
    return re.search(rf"(?<![0-9a-z]){re.escape(needle)}(?![0-9a-z])", text) is not None


def _same_reference(line: StatementLine, movement: Movement, text: str) -> bool:
    """The bank's reference written on the document, or the document's in the description."""
    ours = fold(movement.reference)
    if len(line.bank_ref) >= 4 and _word_in(fold(line.bank_ref), fold(f"{ours} {movement.memo}")):
        return True
    return len(ours) >= 4 and _word_in(ours, text)


def _qr_code(reference) -> str:
    from ..vietqr import donation_reference

    return donation_reference(reference.unit_id, reference.campaign_id or None)


def line_name(line: StatementLine, folded: str) -> str:
    """The name as the description writes it (upper-case, no accents), for the reason."""
    if not line.description.isascii():
        return folded.upper()
    at = line.description.lower().find(folded)
    return line.description[at : at + len(folded)] if at >= 0 else folded.upper()


def _spread(line: StatementLine, movements: Iterable[Movement]) -> int:
    return max(abs((m.entry_date - line.line_date).days) for m in movements)


def _one_to_many(line: StatementLine, near: list[Movement], found: _Pool) -> list[Suggestion]:
    """One line equal to the sum of 2…SUBSET_SIZE entries (a deposit of several receipts)."""
    parts = [
        m
        for m in near
        if abs(m.amount) < abs(line.amount)
        and m.entry_id not in found.paired_entries
        and found.allowed([line.id], [m.entry_id])
    ]
    parts.sort(key=lambda m: (abs((m.entry_date - line.line_date).days), m.entry_id))
    chosen = subset_sum(
        [abs(m.amount) for m in parts[:SUBSET_CANDIDATES]], abs(line.amount), minimum=2
    )
    if chosen is None:
        return []
    entries = tuple(parts[i] for i in chosen)
    days = _spread(line, entries)
    reasons = [
        Reason(_l("tổng %(count)s bút toán bằng số tiền"), (("count", len(entries)),)),
        _days_reason(days),
    ]
    return [Suggestion((line.id,), entries, 40 + max(0, 20 - 4 * days), reasons)]


def _many_to_one(line: StatementLine, near: list[Movement], found: _Pool) -> list[Suggestion]:
    """Several lines (this one among them) summing to one entry (a payout the bank split)."""
    result = []
    targets = [
        m
        for m in near
        if abs(m.amount) > abs(line.amount) and m.entry_id not in found.paired_entries
    ]
    targets.sort(key=lambda m: (abs((m.entry_date - line.line_date).days), m.entry_id))
    for movement in targets[:SPLIT_TARGETS]:
        others = [
            other
            for other in found.lines
            if other.id != line.id
            and other.id not in found.paired_lines
            and (other.amount > 0) == (line.amount > 0)
            and abs(other.amount) < abs(movement.amount)
            and abs((other.line_date - movement.entry_date).days) <= found.window
        ]
        others.sort(key=lambda o: (abs((o.line_date - line.line_date).days), o.id))
        others = others[:SUBSET_CANDIDATES]
        chosen = subset_sum(
            [abs(o.amount) for o in others],
            abs(movement.amount) - abs(line.amount),
            minimum=1,
            maximum=SUBSET_SIZE - 1,
            budget=SUBSET_STEPS // SPLIT_TARGETS,
        )
        if chosen is None:
            continue
        line_ids = tuple(sorted([line.id, *(others[i].id for i in chosen)]))
        if not found.allowed(line_ids, [movement.entry_id]):
            continue
        days = abs((movement.entry_date - line.line_date).days)
        reasons = [
            Reason(_l("%(count)s dòng sao kê cộng lại bằng bút toán"), (("count", len(line_ids)),)),
            _days_reason(days),
        ]
        result.append(Suggestion(line_ids, (movement,), 35 + max(0, 20 - 4 * days), reasons))
    return result


def subset_sum(
    amounts: list[int],
    target: int,
    *,
    minimum: int = 2,
    maximum: int = SUBSET_SIZE,
    budget: int = SUBSET_STEPS,
) -> tuple[int, ...] | None:
    """Indexes of ``minimum``…``maximum`` amounts summing exactly to ``target`` (the fewest
    found first), or None; gives up after ``budget`` steps."""
    order = sorted(range(len(amounts)), key=lambda i: -amounts[i])
    steps = 0

    def search(start: int, left: int, picked: list[int], size: int) -> list[int] | None:
        nonlocal steps
        if left == 0:
            return picked if len(picked) == size else None
        if len(picked) == size:
            return None
        for pos in range(start, len(order)):
            steps += 1
            if steps > budget:
                return None
            value = amounts[order[pos]]
            if value > left:
                continue
            done = search(pos + 1, left - value, [*picked, order[pos]], size)
            if done is not None:
                return done
        return None

    for size in range(minimum, maximum + 1):
        done = search(0, target, [], size)
        if done is not None:
            return tuple(sorted(done))
    return None


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
            raise MatchRefused("entry_elsewhere", entry=entry_id)
        if entry_id not in found:
            raise MatchRefused("entry_not_bank", entry=entry_id)
        if not _on_account(found[entry_id], account):
            raise MatchRefused("entry_elsewhere", entry=entry_id)
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
            raise MatchRefused("entry_matched", entry=movement.voucher or movement.entry_id)
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
            raise MatchRefused("entry_elsewhere", entry=entry_id)
    known = _rejected(session, [r.id for r in lines])
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
