"""Suggestions for matching statement lines to the books (issue #16), ranked by a score with
the reasons shown to the treasurer ("cùng số tiền; cách 2 ngày; tên người nộp … trùng"):
one line to one entry, one line to several entries (a deposit of several receipts), several
lines to one entry (a payout the bank split). Rejected pairs and matched rows are left out.

Suggestions are only suggestions: nothing is matched until the treasurer confirms one.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from ..errors import _l
from ..models import BankAccount, StatementLine
from ..text import fold
from ..vietqr import donation_reference, parse_reference
from .bank_book import Movement, bank_movements, rejected_pairs, unmatched_lines

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
    return _Pool(lines, movements, rejected_pairs(session, [line.id for line in lines]), window)


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
    """Several lines (this one among them) summing to one entry: a payout the bank split, or
    one sender's transfer in parts. Credits from different senders (or carrying a VietQR
    code, each its own donation) are never offered as one: several donors' transfers adding
    up to a receipt by chance is not a reason."""
    from .bank_drafts import sender_name  # bank_drafts builds on the matcher

    if line.amount > 0:
        sender = sender_name(line.description)
        if not sender or parse_reference(line.description):
            return []

        def related(other: StatementLine) -> bool:
            return sender_name(other.description) == sender and not parse_reference(
                other.description
            )
    else:

        def related(other: StatementLine) -> bool:
            return True

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
            and related(other)
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
