"""A fund's bank accounts: the first is primary, one account number once, unknown banks refused;
VietQR references survive a bank's rewriting and refuse look-alikes."""

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from ledger.models import BankAccount
from ledger.services.bank_accounts import (
    InvalidBankAccount,
    accounts_of,
    add_bank_account,
    primary_account,
)
from ledger.vietqr import donation_reference, parse_reference

from .bankworld import make_account, make_lines


def test_first_account_is_primary_and_numbers_are_unique(session, unit):
    first = make_account(session)
    second = make_account(session, bank_bin="970436", number="0011 0022 3344")
    fund = unit("TT-CHUONGDUONG")
    assert primary_account(session, fund.id).id == first.id
    assert [a.id for a in accounts_of(session, fund.id)] == [first.id, second.id]
    assert second.account_number == "001100223344" and second.bank_name == "Vietcombank"
    with pytest.raises(InvalidBankAccount) as refused:
        make_account(session, bank_bin="970436", number="001100223344")
    assert refused.value.reason == "taken"


@pytest.mark.parametrize(
    ("bin_", "number", "reason"), [("123456", "0011223344", "bin"), ("970405", "12-3", "number")]
)
def test_bad_accounts_are_refused(session, unit, bin_, number, reason):
    with pytest.raises(InvalidBankAccount) as refused:
        add_bank_account(
            session,
            unit_id=unit("TT-CHUONGDUONG").id,
            bank_bin=bin_,
            account_number=number,
            opened_on=date(2020, 1, 1),
        )
    assert refused.value.reason == reason
    assert session.exec(select(func.count()).select_from(BankAccount)).one() == 0


def test_statement_lines_are_stored(session):
    account = make_account(session)
    statement = make_lines(
        session,
        account,
        [(date(2026, 6, 1), 500_000, "NGUYEN VAN A ung ho"), (date(2026, 6, 2), -1_100, "Phi SMS")],
        opening=1_000_000,
    )
    assert statement.closing_balance == 1_498_900


def test_reference_survives_rewriting_and_refuses_look_alikes():
    ref = donation_reference(123, 45)
    assert len(ref) <= 25 and ref.isalnum()
    written = "MBVCB.3359.NGUYEN VAN A chuyen tien " + ref[:6].lower() + " " + ref[6:]
    assert (parse_reference(written).unit_id, parse_reference(written).campaign_id) == (123, 45)
    assert parse_reference(ref[:-1] + str((int(ref[-1]) + 1) % 10)) is None
    assert parse_reference("ung ho quy BTTE 2026") is None
    assert parse_reference(donation_reference(7)).campaign_id == 0
