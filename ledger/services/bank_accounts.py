"""A fund's accounts at banks: add, list, the primary one (where a document naming none went)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, ClassVar

from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, col, select

from ..banks import BY_BIN
from ..errors import LedgerError, _l
from ..models import Account, BankAccount, BankMatchLine, BankStatement, StatementLine, Unit, User
from ..text import clean
from .audit import record_event
from .unit_order import official_order
from .units import in_units


class InvalidBankAccount(LedgerError):
    """A bank account the form or the CLI cannot store as typed."""

    reasons: ClassVar[dict[str, str]] = {
        "bin": _l("Ngân hàng không có trong danh sách (mã BIN 6 chữ số của NAPAS)."),
        "number": _l("Số tài khoản chỉ gồm chữ số hoặc chữ cái, từ 6 đến 30 ký tự."),
        "taken": _l("Tài khoản này đã được khai báo."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.reasons[reason])


def normalise_number(number: str) -> str:
    """The account number as banks print it, without spaces, dots or dashes."""
    return "".join(ch for ch in number if ch.isalnum()).upper()


def add_bank_account(
    session: Session,
    *,
    unit_id: int,
    bank_bin: str,
    account_number: str,
    opened_on: date,
    holder_name: str = "",
    branch: str = "",
    user_id: int | None = None,
) -> BankAccount:
    """Declare an account of ``unit_id``'s fund; the fund's first account becomes its primary."""
    bank = BY_BIN.get((bank_bin or "").strip())
    if bank is None:
        raise InvalidBankAccount("bin")
    number = normalise_number(account_number)
    if not 6 <= len(number) <= 30:
        raise InvalidBankAccount("number")
    if session.exec(
        select(BankAccount.id).where(
            BankAccount.bank_bin == bank.bin, BankAccount.account_number == number
        )
    ).first():
        raise InvalidBankAccount("taken")
    account = BankAccount(
        unit_id=unit_id,
        bank_name=bank.short_name,
        bank_bin=bank.bin,
        branch=clean(branch, max_length=200),
        account_number=number,
        holder_name=clean(holder_name, max_length=200),
        is_primary=primary_account(session, unit_id) is None,
        opened_on=opened_on,
    )
    session.add(account)
    session.flush()
    record_event(
        session,
        action="bank_account.add",
        user_id=user_id,
        unit_id=unit_id,
        object_type="bank_account",
        object_id=account.id,
        after={
            "bank": bank.short_name,
            "bin": bank.bin,
            "number": number,
            "branch": account.branch,
        },
    )
    return account


def accounts_of(session: Session, unit_id: int) -> list[BankAccount]:
    """The fund's bank accounts, the primary first."""
    return list(session.exec(_accounts_of(), params={"unit": unit_id}).all())


@cache  # built once: every receipt's and payout's form lists them
def _accounts_of():
    return (
        select(BankAccount)
        .where(BankAccount.unit_id == bindparam("unit"))
        .order_by(col(BankAccount.is_primary).desc(), col(BankAccount.id))
    )


def primary_account(session: Session, unit_id: int) -> BankAccount | None:
    """The account a document that names none moved money on."""
    return session.exec(
        select(BankAccount).where(BankAccount.unit_id == unit_id, col(BankAccount.is_primary))
    ).first()


class BankAccountNotFound(LedgerError):
    default = _l("Không có tài khoản ngân hàng “%(account)s”.")


class AmbiguousBankAccount(LedgerError):
    default = _l(
        "Có nhiều tài khoản số “%(account)s” ở các ngân hàng khác nhau; hãy ghi BIN:số tài khoản."
    )


class BankAccountClosed(LedgerError):
    reasons: ClassVar[dict[str, str]] = {
        "before_open": _l("Ngày đóng tài khoản không được trước ngày mở."),
        "primary": _l(
            "Không đóng tài khoản chính khi quỹ còn tài khoản khác; hãy chọn tài khoản chính khác trước."
        ),
        "closed": _l("Tài khoản đã đóng."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.reasons[reason])


def find_account(session: Session, text: str) -> BankAccount:
    """The account named by its number, or by ``BIN:number`` when a number is at two banks."""
    bank_bin, _, number = text.rpartition(":")
    query = select(BankAccount).where(BankAccount.account_number == normalise_number(number))
    if bank_bin:
        query = query.where(BankAccount.bank_bin == bank_bin.strip())
    found = list(session.exec(query).all())
    if not found:
        raise BankAccountNotFound(account=text)
    if len(found) > 1:
        raise AmbiguousBankAccount(account=text)
    return found[0]


def open_accounts_of(session: Session, unit_id: int) -> list[BankAccount]:
    """The fund's accounts still open, the primary first (what a document may name)."""
    return [a for a in accounts_of(session, unit_id) if a.closed_on is None]


def document_account_choices(session: Session, unit_id: int) -> list[tuple[int, str]]:
    """What a document's bank account select offers: the fund's open accounts, the primary
    first (the default); empty when the fund has fewer than two (nothing to choose)."""
    found = open_accounts_of(session, unit_id)
    if len(found) < 2:
        return []
    return [(a.id, f"{a.bank_name} {a.account_number}") for a in found]


def update_bank_account(
    session: Session,
    *,
    account: BankAccount,
    branch: str,
    holder_name: str,
    opened_on: date,
    user_id: int | None = None,
) -> BankAccount:
    """Change what the fund wrote about an account (bank and number stay: lines hang on them)."""
    before = {
        "branch": account.branch,
        "holder": account.holder_name,
        "opened": str(account.opened_on),
    }
    if account.closed_on is not None and account.closed_on < opened_on:
        raise BankAccountClosed("before_open")
    account.branch = clean(branch, max_length=200)
    account.holder_name = clean(holder_name, max_length=200)
    account.opened_on = opened_on
    session.add(account)
    session.flush()
    record_event(
        session,
        action="bank_account.update",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_account",
        object_id=account.id,
        before=before,
        after={"branch": account.branch, "holder": account.holder_name, "opened": str(opened_on)},
    )
    return account


def make_primary(session: Session, *, account: BankAccount, user_id: int | None = None) -> None:
    """Make ``account`` the fund's primary (where documents naming no account moved money)."""
    if account.closed_on is not None:
        raise BankAccountClosed("closed")
    current = primary_account(session, account.unit_id)
    if current is not None and current.id == account.id:
        return
    if current is not None:
        current.is_primary = False
        session.add(current)
        session.flush()  # the unique index allows one primary per fund at a time
    account.is_primary = True
    session.add(account)
    session.flush()
    record_event(
        session,
        action="bank_account.primary",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_account",
        object_id=account.id,
        before={"primary": current.account_number if current else None},
        after={"primary": account.account_number},
    )


def close_account(
    session: Session, *, account: BankAccount, on: date, user_id: int | None = None
) -> None:
    """Close an account on ``on``; the primary closes only when it is the fund's last open one."""
    if account.closed_on is not None:
        raise BankAccountClosed("closed")
    if on < account.opened_on:
        raise BankAccountClosed("before_open")
    others = [a for a in open_accounts_of(session, account.unit_id) if a.id != account.id]
    if account.is_primary and others:
        raise BankAccountClosed("primary")
    account.closed_on = on
    session.add(account)
    session.flush()
    record_event(
        session,
        action="bank_account.close",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="bank_account",
        object_id=account.id,
        after={"closed_on": on.isoformat()},
    )


class AccountOfAnotherFund(LedgerError):
    default = _l("Tài khoản ngân hàng này không thuộc quỹ của chứng từ.")


def check_document_account(
    session: Session, *, unit_id: int, bank_account_id: int | None
) -> int | None:
    """The bank account a document names, refused unless an open account of its fund (None:
    the fund's primary)."""
    if bank_account_id is None:
        return None
    account = session.get(BankAccount, bank_account_id)
    if account is None or account.unit_id != unit_id or account.closed_on is not None:
        raise AccountOfAnotherFund()
    return account.id


@dataclass
class AccountSummary:
    """An account as the bank page lists it: its last statement and its lines not yet matched."""

    account: BankAccount
    last_statement: date | None
    unmatched: int


@dataclass
class FundAccounts:
    unit: Unit
    accounts: list[AccountSummary]


def funds_with_accounts(
    session: Session, *, unit_ids: Any, page: int, per_page: int
) -> tuple[list[FundAccounts], int]:
    """One page of the funds of ``unit_ids`` (ids or a select of them) in the official order,
    each with its accounts; a fund no longer in force is listed only when it has accounts."""
    has_account = select(BankAccount.unit_id).where(BankAccount.unit_id == Unit.id).exists()
    is_fund = select(Account.id).where(Account.unit_id == Unit.id).exists()
    query = select(Unit).where(
        in_units(col(Unit.id), unit_ids), is_fund, or_(col(Unit.valid_to).is_(None), has_account)
    )
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    units = list(
        session.exec(
            query.order_by(*official_order()).offset((page - 1) * per_page).limit(per_page)
        )
    )
    summaries = account_summaries(session, [u.id for u in units])
    return [FundAccounts(u, summaries.get(u.id, [])) for u in units], total


def account_summaries(session: Session, unit_ids: list[int]) -> dict[int, list[AccountSummary]]:
    """The accounts of these funds (primary first), each with its last statement's end and
    how many of its lines no match holds."""
    if not unit_ids:
        return {}
    accounts = session.exec(
        select(BankAccount)
        .where(col(BankAccount.unit_id).in_(unit_ids))
        .order_by(col(BankAccount.is_primary).desc(), col(BankAccount.id))
    ).all()
    ids = [a.id for a in accounts]
    last = dict(
        session.exec(
            select(BankStatement.bank_account_id, func.max(BankStatement.period_to))
            .where(col(BankStatement.bank_account_id).in_(ids))
            .group_by(col(BankStatement.bank_account_id))
        ).all()
    )
    unmatched = dict(
        session.exec(
            select(StatementLine.bank_account_id, func.count())
            .outerjoin(
                BankMatchLine,
                col(BankMatchLine.statement_line_id) == col(StatementLine.id),
            )
            .where(
                col(StatementLine.bank_account_id).in_(ids),
                col(BankMatchLine.match_id).is_(None),
            )
            .group_by(col(StatementLine.bank_account_id))
        ).all()
    )
    out: dict[int, list[AccountSummary]] = {}
    for account in accounts:
        out.setdefault(account.unit_id, []).append(
            AccountSummary(account, last.get(account.id), int(unmatched.get(account.id, 0)))
        )
    return out


def statement_lines_query(account_id: int) -> Any:
    """The account's lines, each with the id of the match that holds it (None: unmatched)."""
    return (
        select(StatementLine, BankMatchLine.match_id)
        .outerjoin(BankMatchLine, col(BankMatchLine.statement_line_id) == col(StatementLine.id))
        .where(StatementLine.bank_account_id == account_id)
    )


def statements_of(session: Session, account_id: int) -> list[tuple[BankStatement, str]]:
    """The account's imported statements, newest first, with who imported each."""
    return [
        (statement, name or "")
        for statement, name in session.exec(
            select(BankStatement, User.full_name)
            .outerjoin(User, col(User.id) == col(BankStatement.imported_by_id))
            .where(BankStatement.bank_account_id == account_id)
            .order_by(col(BankStatement.imported_at).desc(), col(BankStatement.id).desc())
        ).all()
    ]
