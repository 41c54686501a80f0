"""Bảng đối chiếu số dư tài khoản tiền gửi: a bank account's balance at the bank and in the
books on one date, the difference explained line by line, saved once and locked with the period.

The bank's side is the statement: opening + credits − debits = closing (checked against the
balance the bank printed). The books' side is the fund's ``bank`` ledger account, the postings
whose document names this bank account (``bank_books``). The classic identity explains the
gap: bank closing − Σ in the bank, not yet in the books + Σ in the books, not yet at the bank
= books closing; ``difference`` is what is left unexplained (zero when reconciled).

A match (``BankMatch``) is the same money on both sides; it explains nothing away until every
line and entry of it is dated within the period ("settled"): until then its lines up to the
period's end are "in the bank only" and its entries "in the books only". Entries before the
account's first statement line that were never matched are taken as inside the bank's opening
balance (the statements start there), so a first reconciliation is not swamped by years of
history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import LedgerError, _l
from ..models import (
    BankAccount,
    BankMatch,
    BankMatchEntry,
    BankMatchLine,
    BankReconciliation,
    BankStatement,
    Entry,
    StatementLine,
    select_rows,
)
from ..text import clean
from .audit import record_event
from .bank_books import books_balance, books_entries
from .books import read_book
from .journal import lock_fund
from .locks import locked_through


class ReconciliationPeriodInvalid(LedgerError):
    default = _l("Kỳ đối chiếu không hợp lệ: ngày cuối kỳ phải từ ngày đầu kỳ trở đi.")


class ReconciliationInFuture(LedgerError):
    default = _l("Chưa thể lưu bảng đối chiếu đến ngày %(date)s: kỳ đối chiếu chưa kết thúc.")


class ReconciliationOutOfOrder(LedgerError):
    default = _l(
        "Đã lưu bảng đối chiếu đến hết ngày %(last)s; bảng tiếp theo phải bắt đầu từ ngày "
        "%(next)s (không chồng lên, không bỏ cách kỳ đã đối chiếu)."
    )


class BankBalanceUnknown(LedgerError):
    default = _l(
        "Chưa biết số dư đầu kỳ của ngân hàng: hãy nhập sao kê có số dư đầu kỳ hoặc số dư "
        "sau từng giao dịch."
    )


class BankSideDoesNotAdd(LedgerError):
    default = _l(
        "Số dư đầu kỳ + phát sinh = %(computed)s, nhưng sao kê ghi số dư cuối kỳ %(printed)s: "
        "sao kê còn thiếu dòng; hãy nhập đủ sao kê trước khi lưu."
    )


class DifferenceNeedsNote(LedgerError):
    default = _l(
        "Còn chênh lệch chưa giải trình %(amount)s: hãy ghi rõ lý do vào ô ghi chú trước khi lưu."
    )


class ReconciliationLocked(LedgerError):
    default = _l(
        "Bảng đối chiếu đến ngày %(date)s thuộc kỳ đã khóa sổ (đến hết ngày %(locked)s): "
        "không hủy hay lập lại được."
    )


class NotLastReconciliation(LedgerError):
    default = _l(
        "Chỉ hủy được bảng đối chiếu mới nhất (đến ngày %(last)s); hủy từ bảng mới nhất trở về."
    )


class PeriodReconciled(LedgerError):
    default = _l(
        "Tài khoản %(account)s đã đối chiếu số dư đến hết ngày %(date)s: không bỏ ghép các "
        "giao dịch của kỳ đã đối chiếu (hủy bảng đối chiếu trước, nếu kỳ chưa khóa sổ)."
    )


#: which side of the gap an item sits on
IN_BANK = "bank"
IN_BOOKS = "books"


@dataclass(frozen=True)
class Item:
    """A movement on one side only, as of the period's end (``amount`` signed: + money in)."""

    side: str
    day: date
    amount: int
    #: the bank's reference (in the bank) or the voucher number (in the books)
    ref: str
    description: str
    #: matched, but the other side is dated after the period
    matched_later: bool = False
    line_id: int | None = None
    entry_id: int | None = None

    def frozen(self) -> dict:
        """The item as stored in the saved reconciliation's JSON."""
        return {
            "side": self.side,
            "day": self.day.isoformat(),
            "amount": self.amount,
            "ref": self.ref,
            "description": self.description,
            "matched_later": self.matched_later,
        }


@dataclass(frozen=True)
class Result:
    """A reconciliation computed for a period (pure figures; nothing saved)."""

    account_id: int
    period_from: date
    period_to: date
    #: None when the bank's opening balance cannot be known (no statement, no running balance)
    bank_opening: int | None
    bank_credits: int
    bank_debits: int
    #: what the bank printed for the period's end (statement closing or last running balance)
    printed_closing: int | None
    books_closing: int
    in_bank: list[Item] = field(default_factory=list)
    in_books: list[Item] = field(default_factory=list)
    #: lines of the statement in the period
    line_count: int = 0

    @property
    def bank_closing(self) -> int | None:
        if self.bank_opening is None:
            return None
        return self.bank_opening + self.bank_credits - self.bank_debits

    @property
    def closing_mismatch(self) -> bool:
        """The bank's own figures do not add up (lines missing from the statement)."""
        return self.printed_closing is not None and self.printed_closing != self.bank_closing

    @property
    def in_bank_total(self) -> int:
        return sum(item.amount for item in self.in_bank)

    @property
    def in_books_total(self) -> int:
        return sum(item.amount for item in self.in_books)

    @property
    def adjusted_bank(self) -> int | None:
        """The bank's closing less what the books have not yet recorded, plus what the bank
        has not yet recorded: what the books should say."""
        if self.bank_closing is None:
            return None
        return self.bank_closing - self.in_bank_total + self.in_books_total

    @property
    def difference(self) -> int | None:
        """What is left unexplained (zero when reconciled)."""
        adjusted = self.adjusted_bank
        return None if adjusted is None else adjusted - self.books_closing

    def carried(self) -> list[Item]:
        """Lines from before the period still not in the books."""
        return [item for item in self.in_bank if item.day < self.period_from]


# ---- the bank's side --------------------------------------------------------------------


def _line_order():
    return (
        col(StatementLine.line_date),
        col(StatementLine.statement_id),
        col(StatementLine.position),
        col(StatementLine.id),
    )


def _sum_lines(session: Session, account_id: int, first: date, last: date, sign: int) -> int:
    """Σ credits (sign 1) or Σ debits as a positive figure (sign −1) between two dates."""
    query = select(func.coalesce(func.sum(StatementLine.amount), 0)).where(
        StatementLine.bank_account_id == account_id,
        StatementLine.line_date >= first,
        StatementLine.line_date <= last,
        StatementLine.amount > 0 if sign > 0 else StatementLine.amount < 0,
    )
    return sign * int(session.exec(query).one())


def bank_opening(session: Session, account: BankAccount, on: date) -> int | None:
    """The bank's balance at the start of ``on``: a statement's printed opening (plus the lines
    between its start and ``on``), else the running balance before the first line from ``on``,
    else the previous saved reconciliation's closing; None when nothing says."""
    statement = session.exec(
        select(BankStatement)
        .where(
            BankStatement.bank_account_id == account.id,
            BankStatement.period_from <= on,
            BankStatement.period_to >= on,
            col(BankStatement.opening_balance).is_not(None),
        )
        .order_by(col(BankStatement.period_from), col(BankStatement.id))
        .limit(1)
    ).first()
    if statement is not None and statement.opening_balance is not None:
        before = on - timedelta(days=1)
        moved = _sum_lines(session, account.id, statement.period_from, before, 1)
        moved -= _sum_lines(session, account.id, statement.period_from, before, -1)
        return statement.opening_balance + moved
    first = session.exec(
        select(StatementLine)
        .where(StatementLine.bank_account_id == account.id, StatementLine.line_date >= on)
        .order_by(*_line_order())
        .limit(1)
    ).first()
    if first is not None and first.balance_after is not None:
        return first.balance_after - first.amount
    previous = session.exec(
        select(BankReconciliation.bank_closing).where(
            BankReconciliation.bank_account_id == account.id,
            BankReconciliation.period_to == on - timedelta(days=1),
        )
    ).first()
    return None if previous is None else int(previous)


def printed_closing(session: Session, account: BankAccount, on: date) -> int | None:
    """What the bank printed for the end of ``on``: the closing of a statement ending that
    day, else the running balance after the last line up to ``on`` when that line is the last
    one of its day (a later line of the same day would be missing from the figures)."""
    statement = session.exec(
        select(BankStatement.closing_balance).where(
            BankStatement.bank_account_id == account.id,
            BankStatement.period_to == on,
            col(BankStatement.closing_balance).is_not(None),
        )
    ).first()
    if statement is not None:
        return int(statement)
    last = session.exec(
        select(StatementLine)
        .where(StatementLine.bank_account_id == account.id, StatementLine.line_date <= on)
        .order_by(*(c.desc() for c in _line_order()))
        .limit(1)
    ).first()
    return None if last is None or last.balance_after is None else last.balance_after


# ---- the difference, line by line -------------------------------------------------------


@dataclass
class _Matches:
    """Each matched line's and entry's match, and each match's latest date on either side."""

    of_line: dict[int, int]
    of_entry: dict[int, int]
    latest: dict[int, date]


def _matches(session: Session, account_id: int) -> _Matches:
    lines = session.exec(
        select_rows(
            BankMatchLine.statement_line_id, BankMatchLine.match_id, StatementLine.line_date
        )
        .join(StatementLine, col(StatementLine.id) == BankMatchLine.statement_line_id)
        .where(StatementLine.bank_account_id == account_id)
    ).all()
    entries = session.exec(
        select_rows(BankMatchEntry.entry_id, BankMatchEntry.match_id, Entry.entry_date)
        .join(Entry, col(Entry.id) == BankMatchEntry.entry_id)
        .join(BankMatch, col(BankMatch.id) == BankMatchEntry.match_id)
        .where(BankMatch.bank_account_id == account_id)
    ).all()
    latest: dict[int, date] = {}
    for _id, match, day in [*lines, *entries]:
        latest[match] = max(latest.get(match, day), day)
    return _Matches(
        of_line={line: match for line, match, _d in lines},
        of_entry={entry: match for entry, match, _d in entries},
        latest=latest,
    )


def _in_bank(session: Session, account_id: int, through: date, found: _Matches) -> list[Item]:
    """Lines up to ``through`` the books do not hold by then."""
    items = []
    lines = session.exec(
        select(StatementLine)
        .where(StatementLine.bank_account_id == account_id, StatementLine.line_date <= through)
        .order_by(*_line_order())
    ).all()
    for line in lines:
        match = found.of_line.get(line.id)
        if match is not None and found.latest[match] <= through:
            continue
        items.append(
            Item(
                side=IN_BANK,
                day=line.line_date,
                amount=line.amount,
                ref=line.bank_ref,
                description=line.description,
                matched_later=match is not None,
                line_id=line.id,
            )
        )
    return items


def _voucher(line) -> str:
    if line.receipt_no:
        return f"PT {line.receipt_no}"
    if line.payment_no:
        return f"PC {line.payment_no}"
    return ""


def _horizon(session: Session, account_id: int) -> date | None:
    """The day the account's statements start (its first line)."""
    return session.exec(
        select(func.min(StatementLine.line_date)).where(StatementLine.bank_account_id == account_id)
    ).one()


def _in_books(session: Session, account: BankAccount, through: date, found: _Matches) -> list[Item]:
    """Entries up to ``through`` the bank does not show by then."""
    moved = books_entries(session, account, through)
    horizon = _horizon(session, account.id) or through + timedelta(days=1)
    wanted = {}
    for entry_id, (day, amount) in moved.items():
        match = found.of_entry.get(entry_id)
        if match is not None and found.latest[match] <= through:
            continue
        if match is None and day < horizon:
            continue  # before the statements start: inside the bank's opening balance
        wanted[entry_id] = (day, amount, match is not None)
    if not wanted:
        return []
    first = min(day for day, _amount, _matched in wanted.values())
    book = read_book(
        session, unit_id=account.unit_id, kind="bank", date_from=first, date_to=through
    )
    items, seen = [], set()
    for line in book.lines:
        if line.entry_id not in wanted or line.entry_id in seen:
            continue
        seen.add(line.entry_id)
        _day, amount, matched = wanted[line.entry_id]
        items.append(
            Item(
                side=IN_BOOKS,
                day=line.entry_date,
                amount=amount,
                ref=_voucher(line),
                description=line.description,
                matched_later=matched,
                entry_id=line.entry_id,
            )
        )
    return items


def reconcile(
    session: Session, *, account: BankAccount, period_from: date, period_to: date
) -> Result:
    """The bank's side, the books' side and the items that explain the gap for a period."""
    if period_to < period_from:
        raise ReconciliationPeriodInvalid()
    found = _matches(session, account.id)
    count = session.exec(
        select(func.count()).where(
            StatementLine.bank_account_id == account.id,
            StatementLine.line_date >= period_from,
            StatementLine.line_date <= period_to,
        )
    ).one()
    return Result(
        account_id=account.id,
        period_from=period_from,
        period_to=period_to,
        bank_opening=bank_opening(session, account, period_from),
        bank_credits=_sum_lines(session, account.id, period_from, period_to, 1),
        bank_debits=_sum_lines(session, account.id, period_from, period_to, -1),
        printed_closing=printed_closing(session, account, period_to),
        books_closing=books_balance(session, account, period_to),
        in_bank=_in_bank(session, account.id, period_to, found),
        in_books=_in_books(session, account, period_to, found),
        line_count=int(count),
    )


# ---- saved reconciliations --------------------------------------------------------------


def saved_reconciliations(session: Session, account_id: int) -> list[BankReconciliation]:
    """The account's saved reconciliations, the latest first."""
    return list(
        session.exec(
            select(BankReconciliation)
            .where(BankReconciliation.bank_account_id == account_id)
            .order_by(col(BankReconciliation.period_to).desc())
        ).all()
    )


def last_reconciliation(session: Session, account_id: int) -> BankReconciliation | None:
    """The account's latest saved reconciliation."""
    return session.exec(
        select(BankReconciliation)
        .where(BankReconciliation.bank_account_id == account_id)
        .order_by(col(BankReconciliation.period_to).desc())
        .limit(1)
    ).first()


def default_period(session: Session, account: BankAccount) -> tuple[date, date]:
    """The next period to reconcile: the day after the last saved one (else the first
    statement line, else the account's opening) → the last statement line (at most today)."""
    today = date.today()
    last = last_reconciliation(session, account.id)
    latest_line = session.exec(
        select(func.max(StatementLine.line_date)).where(StatementLine.bank_account_id == account.id)
    ).one()
    if last is not None:
        start = last.period_to + timedelta(days=1)
    else:
        start = _horizon(session, account.id) or account.opened_on
    end = min(max(latest_line or today, start), today)
    return start, max(end, start)


def items_of(saved: BankReconciliation) -> list[dict]:
    """The frozen items of a saved reconciliation, dates as ``date``."""
    items = json.loads(saved.items or "[]")
    for item in items:
        item["day"] = date.fromisoformat(item["day"])
    return items


def _ensure_in_order(session: Session, account: BankAccount, result: Result) -> None:
    if result.period_to > date.today():
        raise ReconciliationInFuture(date=result.period_to.strftime("%d/%m/%Y"))
    last = last_reconciliation(session, account.id)
    if last is not None and result.period_from != last.period_to + timedelta(days=1):
        raise ReconciliationOutOfOrder(
            last=last.period_to.strftime("%d/%m/%Y"),
            next=(last.period_to + timedelta(days=1)).strftime("%d/%m/%Y"),
        )


def _ensure_bank_side(result: Result) -> None:
    if result.bank_closing is None:
        raise BankBalanceUnknown()
    if result.closing_mismatch:
        raise BankSideDoesNotAdd(
            computed=_vnd(result.bank_closing), printed=_vnd(result.printed_closing or 0)
        )


def _vnd(amount: int) -> str:
    from ..money import format_vnd

    return format_vnd(amount)


def save_reconciliation(
    session: Session, *, account: BankAccount, result: Result, note: str, user_id: int | None
) -> BankReconciliation:
    """Store the reconciliation with its items frozen: in order (the first, or starting the day
    after the last), ended, the bank's figures adding up, and any unexplained difference
    written down in ``note``. A period already locked may be reconciled (nothing is posted)."""
    lock_fund(session, account.unit_id)  # one reconciliation at a time per fund
    note = clean(note, max_length=1000)
    _ensure_in_order(session, account, result)
    _ensure_bank_side(result)
    assert result.bank_closing is not None and result.difference is not None
    if result.difference and not note:
        raise DifferenceNeedsNote(amount=_vnd(result.difference))
    saved = BankReconciliation(
        bank_account_id=account.id,
        period_from=result.period_from,
        period_to=result.period_to,
        bank_opening=result.bank_opening or 0,
        bank_credits=result.bank_credits,
        bank_debits=result.bank_debits,
        bank_closing=result.bank_closing,
        books_closing=result.books_closing,
        in_bank_only=result.in_bank_total,
        in_books_only=result.in_books_total,
        difference=result.difference,
        items=json.dumps(
            [i.frozen() for i in [*result.in_bank, *result.in_books]], ensure_ascii=False
        ),
        note=note,
        made_by_id=user_id,
    )
    session.add(saved)
    session.flush()
    record_event(
        session,
        action="bank_reconciliation.save",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_reconciliation",
        object_id=saved.id,
        after={
            "account": account.account_number,
            "period_from": saved.period_from,
            "period_to": saved.period_to,
            "bank_closing": saved.bank_closing,
            "books_closing": saved.books_closing,
            "difference": saved.difference,
            "note": note,
        },
    )
    return saved


def delete_reconciliation(
    session: Session, *, saved: BankReconciliation, reason: str, user_id: int | None
) -> None:
    """Withdraw the latest saved reconciliation (to redo it) while its period is open."""
    from ..text import required_reason

    reason = required_reason(reason)
    account = session.get_one(BankAccount, saved.bank_account_id)
    lock_fund(session, account.unit_id)
    last = last_reconciliation(session, account.id)
    if last is None or last.id != saved.id:
        raise NotLastReconciliation(last=last.period_to.strftime("%d/%m/%Y") if last else "")
    locked = locked_through(session, account.unit_id)
    if locked is not None and saved.period_to <= locked:
        raise ReconciliationLocked(
            date=saved.period_to.strftime("%d/%m/%Y"), locked=locked.strftime("%d/%m/%Y")
        )
    before = {
        "account": account.account_number,
        "period_from": saved.period_from,
        "period_to": saved.period_to,
        "difference": saved.difference,
    }
    saved_id = saved.id
    session.delete(saved)
    session.flush()
    record_event(
        session,
        action="bank_reconciliation.delete",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_reconciliation",
        object_id=saved_id,
        before=before,
        after={"reason": reason},
    )


def ensure_not_reconciled(session: Session, account_id: int, on: date) -> None:
    """Refuse to unmatch what a saved reconciliation explained: anything dated ``on`` or before
    the end of the account's last saved reconciliation (the matching service calls this with
    the earliest date among the match's lines and entries)."""
    last = last_reconciliation(session, account_id)
    if last is not None and on <= last.period_to:
        account = session.get_one(BankAccount, account_id)
        raise PeriodReconciled(
            account=account.account_number, date=last.period_to.strftime("%d/%m/%Y")
        )
