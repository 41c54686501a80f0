"""A fund's accounts at banks: add, list, the primary one (where a document naming none went)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from sqlmodel import Session, col, select

from ..banks import BY_BIN
from ..errors import LedgerError, _l
from ..models import BankAccount
from ..text import clean
from .audit import record_event


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
    return list(
        session.exec(
            select(BankAccount)
            .where(BankAccount.unit_id == unit_id)
            .order_by(col(BankAccount.is_primary).desc(), col(BankAccount.id))
        ).all()
    )


def primary_account(session: Session, unit_id: int) -> BankAccount | None:
    """The account a document that names none moved money on."""
    return session.exec(
        select(BankAccount).where(BankAccount.unit_id == unit_id, col(BankAccount.is_primary))
    ).first()
