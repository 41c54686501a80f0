"""Import a bank statement into one of a fund's bank accounts: preview, then store the new lines.

A statement line is the bank's fact, not the fund's posting: importing one posts nothing, so a
line dated in a locked period is stored all the same (the lock guards the books; matching a
line to an entry, or posting a fee from it, is what meets the lock). Re-importing an overlapping
statement adds no line twice: each line's fingerprint (``statements_read.fingerprint_lines``)
is unique per account.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import ClassVar

from sqlmodel import Session, col, select

from ..errors import LedgerError, _l
from ..models import BankAccount, BankStatement, StatementLine
from ..spreadsheets import iter_table
from ..statements_read import (
    FIELDS_ALL,
    ColumnsNotFound,
    Line,
    NotAStatement,
    Statement,
    fingerprint_lines,
    read_statement,
)
from .audit import record_event


class StatementRefused(LedgerError):
    """A statement the importer will not store; ``reason`` says why."""

    reasons: ClassVar[dict[str, str]] = {
        "errors": _l("Sao kê còn dòng lỗi; chưa dòng nào được ghi. Hãy sửa tệp rồi tải lên lại."),
        "nothing_new": _l("Không có dòng mới để ghi: mọi dòng của sao kê đã được nhập trước đó."),
        "empty": _l("Tệp không có dòng nào."),
        "rows": _l("Sao kê có quá nhiều dòng (tối đa 20.000 dòng một tệp)."),
        "columns": _l(
            "Không tìm thấy dòng tiêu đề có cột ngày và cột số tiền; hãy chọn cột một lần."
        ),
        "closed": _l("Tài khoản đã đóng; không nhập sao kê vào tài khoản đã đóng."),
        "map": _l("Hãy chọn cột ngày và cột số tiền (ghi có/ghi nợ hoặc số tiền có dấu)."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.reasons[reason])


@dataclass
class StatementPreview:
    """A statement read from a file, each line marked new or already imported."""

    statement: Statement
    file_hash: str
    new: list[Line] = field(default_factory=list)
    known: int = 0
    #: the account number the file prints when it is not this account's (a warning: the
    #: treasurer may have picked the wrong account); "" when it matches or is not printed
    other_account: str = ""

    @property
    def lines(self) -> list[Line]:
        return self.statement.lines

    def is_new(self, line: Line) -> bool:
        return line.fingerprint in self._new_prints

    def __post_init__(self) -> None:
        self._new_prints: set[str] = set()

    @property
    def can_import(self) -> bool:
        return not self.statement.errors and bool(self.new)


def read_file(account: BankAccount, filename: str, data: bytes) -> Statement:
    """The statement in an uploaded file, with the account's remembered columns. Raises the
    spreadsheet's ``Rejected`` for a hostile or unreadable file, ``ColumnsNotFound`` when the
    columns must be picked, ``StatementRefused`` for an empty or oversized table."""
    try:
        statement = read_statement(iter_table(filename, data), column_map=account.column_map)
    except NotAStatement as error:
        raise StatementRefused(error.reason) from None
    fingerprint_lines(account.id, statement.lines)
    return statement


def preview_statement(
    session: Session, *, account: BankAccount, filename: str, data: bytes
) -> StatementPreview:
    """Read the file and tell which of its lines are new to the account."""
    statement = read_file(account, filename, data)
    preview = StatementPreview(statement=statement, file_hash=hashlib.sha256(data).hexdigest())
    ours = "".join(ch for ch in account.account_number if ch.isdigit())
    if statement.account_number and statement.account_number != ours:
        preview.other_account = statement.account_number
    known = _known_prints(session, account.id, [line.fingerprint for line in statement.lines])
    for line in statement.lines:
        if line.fingerprint in known:
            preview.known += 1
        else:
            preview.new.append(line)
            preview._new_prints.add(line.fingerprint)
    return preview


def _known_prints(session: Session, account_id: int, prints: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(prints), 500):
        chunk = prints[start : start + 500]
        found.update(
            session.exec(
                select(StatementLine.fingerprint).where(
                    StatementLine.bank_account_id == account_id,
                    col(StatementLine.fingerprint).in_(chunk),
                )
            )
        )
    return found


def import_statement(
    session: Session,
    *,
    account: BankAccount,
    parsed: StatementPreview,
    filename: str,
    file_hash: str,
    user_id: int | None = None,
) -> BankStatement:
    """Store the statement and only its new lines (audited). Lines are stored even when
    dated in a locked period: they are the bank's facts and post nothing."""
    statement = parsed.statement
    if statement.errors:
        raise StatementRefused("errors")
    if account.closed_on is not None:
        raise StatementRefused("closed")
    if not parsed.new:
        raise StatementRefused("nothing_new")
    period = statement.period
    assert period is not None  # there are lines
    stored = BankStatement(
        bank_account_id=account.id,
        filename=filename[:255],
        file_hash=file_hash,
        period_from=period[0],
        period_to=period[1],
        opening_balance=statement.opening,
        closing_balance=statement.closing,
        lines_read=len(statement.lines),
        lines_new=len(parsed.new),
        imported_by_id=user_id,
    )
    session.add(stored)
    session.flush()
    positions = {id(line): n for n, line in enumerate(statement.lines, 1)}
    for line in parsed.new:
        session.add(
            StatementLine(
                bank_account_id=account.id,
                statement_id=stored.id,
                line_date=line.line_date,
                value_date=line.value_date,
                amount=line.amount,
                balance_after=line.balance_after,
                bank_ref=line.bank_ref,
                description=line.description,
                counterparty=line.counterparty,
                fingerprint=line.fingerprint,
                position=positions[id(line)],
            )
        )
    if statement.layout and statement.layout != account.statement_layout:
        account.statement_layout = statement.layout
        session.add(account)
    session.flush()
    record_event(
        session,
        action="bank_statement.import",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_statement",
        object_id=stored.id,
        after={
            "account": account.account_number,
            "file": stored.filename,
            "sha256": file_hash,
            "from": period[0].isoformat(),
            "to": period[1].isoformat(),
            "lines_read": stored.lines_read,
            "lines_new": stored.lines_new,
            "opening": stored.opening_balance,
            "closing": stored.closing_balance,
        },
    )
    return stored


def save_column_map(
    session: Session, *, account: BankAccount, mapping: dict[str, str], user_id: int | None
) -> None:
    """Remember the columns the user picked (field → header text) for the next import."""
    picked = {k: v for k, v in mapping.items() if k in FIELDS_ALL and v}
    if "date" not in picked or not ({"credit", "debit", "amount"} & picked.keys()):
        raise StatementRefused("map")
    before = account.column_map
    account.column_map = json.dumps(picked, ensure_ascii=False, sort_keys=True)
    account.statement_layout = "custom"
    session.add(account)
    session.flush()
    record_event(
        session,
        action="bank_account.column_map",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_account",
        object_id=account.id,
        before={"column_map": before},
        after={"column_map": account.column_map},
    )


__all__ = [
    "ColumnsNotFound",
    "StatementPreview",
    "StatementRefused",
    "import_statement",
    "preview_statement",
    "read_file",
    "save_column_map",
]
